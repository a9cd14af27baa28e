import type { ImapFlow } from 'imapflow';
import { closeImapSession, openImapSession } from '../remote/imap-remote.js';
import { RemoteError, classifyRemoteError } from '../remote/remote-error.js';
import { fetchSession, type FetchRunContext, type FetchRunResult } from './fetch-run.js';

/**
 * One run of an IMAP account: for each configured folder, the messages above the highest UID
 * taken (same UIDVALIDITY) are downloaded (BODY.PEEK, so the remote \Seen stays as it was) and
 * delivered. With leave-on-server off every message of the folder is taken and, once delivered,
 * deleted (\Deleted + EXPUNGE), so the folder holds only what came after the last run; a message
 * delivered by a run that could not delete it is recognised by its record and deleted next time.
 * When the remote's UIDVALIDITY changed, UIDs mean nothing any more: the folder is read again
 * from the start and messages whose Message-ID was already delivered from it are skipped.
 */
export async function runImapFetch(ctx: FetchRunContext): Promise<FetchRunResult> {
  const { account } = ctx;
  const client = await openImapSession(ctx.endpoint, { username: account.username, password: ctx.password }, ctx.settings);
  const result: FetchRunResult = { fetched: 0, deleted: 0, more: false };
  try {
    for (const folder of account.folders) {
      if (result.more) break;
      try {
        await fetchFolder(ctx, client, folder, result);
      } catch (err) {
        const failure = classifyRemoteError(err);
        // a folder the server refuses (gone, renamed) is noted and the others still run; a broken session ends the run
        if (failure.kind !== 'protocol' || !client.usable) throw failure;
        await ctx.repo.noteError(account.id, 'protocol', `folder ${folder}: ${failure.message}`);
      }
    }
    return result;
  } finally {
    await closeImapSession(client);
  }
}

async function fetchFolder(ctx: FetchRunContext, client: ImapFlow, folder: string, result: FetchRunResult): Promise<void> {
  const { account, repo } = ctx;
  const mailbox = await client.mailboxOpen(folder, { readOnly: account.leaveOnServer });
  const uidValidity = BigInt(mailbox.uidValidity);
  const state = await repo.folderState(account.id, folder);
  const resync = !!state && state.uidValidity !== null && state.uidValidity !== uidValidity;
  let highest = state && !resync ? state.highestUid : 0;
  if (!mailbox.exists) {
    await repo.saveFolderState(account.id, folder, uidValidity, highest);
    return;
  }
  const from = account.leaveOnServer ? highest + 1 : 1;
  // the listing first (UIDs, and Message-IDs when they are needed): no other command may run while a FETCH streams
  const listed: Array<{ uid: number; size: number; messageId?: string }> = [];
  for await (const msg of client.fetch(`${from}:*`, { uid: true, size: true, envelope: resync }, { uid: true })) {
    // `n:*` also answers the last message when n is above every UID
    if (msg.uid >= from) listed.push({ uid: msg.uid, size: msg.size ?? 0, messageId: msg.envelope?.messageId });
  }
  listed.sort((a, b) => a.uid - b.uid);
  const remoteId = (uid: number) => `${uidValidity}:${uid}`;
  const settled = await repo.settledIds(account.id, folder, listed.map((m) => remoteId(m.uid)));
  const seenMessageIds = resync ? await repo.deliveredMessageIds(account.id, folder) : undefined;
  const toDelete: number[] = [];
  try {
    for (const m of listed) {
      const state = settled.get(remoteId(m.uid));
      if (state === 'skipped') {
        highest = Math.max(highest, m.uid);
        continue;
      }
      const known = state === 'delivered' || (!!m.messageId && !!seenMessageIds?.has(m.messageId));
      if (!known && m.size > ctx.settings.maxMessageBytes) {
        await repo.skipMessage(account.id, folder, remoteId(m.uid), `${folder} UID ${m.uid} (${m.size} octets) is larger than ${ctx.settings.maxMessageBytes}: skipped, left on the server`);
        highest = Math.max(highest, m.uid);
        continue;
      }
      if (!known) {
        if (ctx.stopping() || result.fetched >= ctx.maxMessages) {
          result.more = true;
          break;
        }
        const begun = await repo.beginMessage(account.id, folder, remoteId(m.uid), m.messageId);
        if (!begun.delivered) {
          const download = await client.download(String(m.uid), undefined, { uid: true });
          if (!download.content) continue; // expunged meanwhile by another client
          const d = await ctx.delivery.deliver({
            recipient: account.user,
            queueId: begun.queueId,
            body: download.content,
            remote: { protocol: 'imap', host: account.host },
            session: fetchSession(account),
          });
          await repo.messageDelivered(account.id, folder, remoteId(m.uid), d.messageId);
          ctx.onDelivered(d.size);
          result.fetched++;
        }
      }
      if (!account.leaveOnServer) toDelete.push(m.uid);
      highest = Math.max(highest, m.uid);
    }
  } finally {
    // what was delivered is never taken again whatever happens next: the UID mark moves even on a failed run
    await repo.saveFolderState(account.id, folder, uidValidity, highest).catch(() => undefined);
  }
  if (toDelete.length) {
    const ok = await client.messageDelete(toDelete.join(','), { uid: true });
    if (!ok) throw new RemoteError('protocol', `${folder}: the server refused to delete ${toDelete.length} fetched message(s)`);
    result.deleted += toDelete.length;
  }
}
