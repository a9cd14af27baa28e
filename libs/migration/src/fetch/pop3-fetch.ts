import { Pop3Session } from '../remote/pop3-session.js';
import { POP3_FOLDER, fetchSession, type FetchRunContext, type FetchRunResult } from './fetch-run.js';

/**
 * One run of a POP3 account (UIDL): every message whose unique id was not delivered before is
 * retrieved and delivered; with leave-on-server off each delivered message is marked for deletion
 * (DELE) and removed by the server at QUIT. A session cut before QUIT deletes nothing (RFC 1939
 * §6), and the next run recognises the delivered ones by their UIDL and deletes them then.
 */
export async function runPop3Fetch(ctx: FetchRunContext): Promise<FetchRunResult> {
  const { account, repo } = ctx;
  const session = await Pop3Session.open(ctx.endpoint, { username: account.username, password: ctx.password }, ctx.settings);
  const result: FetchRunResult = { fetched: 0, deleted: 0, more: false };
  try {
    const listing = await session.uidl();
    const sizes = await session.list();
    const settled = await repo.settledIds(account.id, POP3_FOLDER);
    for (const { msg, uid } of listing) {
      if (settled.get(uid) === 'skipped') continue;
      const known = settled.get(uid) === 'delivered';
      if (!known && (sizes.get(msg) ?? 0) > ctx.settings.maxMessageBytes) {
        await repo.skipMessage(account.id, POP3_FOLDER, uid, `message ${uid} (${sizes.get(msg)} octets) is larger than ${ctx.settings.maxMessageBytes}: skipped, left on the server`);
        continue;
      }
      if (!known && (ctx.stopping() || result.fetched >= ctx.maxMessages)) {
        result.more = true;
        break;
      }
      if (!known) {
        const begun = await repo.beginMessage(account.id, POP3_FOLDER, uid, undefined);
        if (!begun.delivered) {
          const body = await session.retr(msg);
          const d = await ctx.delivery.deliver({ recipient: account.user, queueId: begun.queueId, body, remote: { protocol: 'pop3', host: account.host }, session: fetchSession(account) });
          await repo.messageDelivered(account.id, POP3_FOLDER, uid, d.messageId);
          ctx.onDelivered(d.size);
          result.fetched++;
        }
      }
      if (!account.leaveOnServer) {
        await session.dele(msg);
        result.deleted++;
      }
    }
    await session.quit();
    await repo.forgetMissing(account.id, POP3_FOLDER, listing.map((l) => l.uid));
    await repo.saveFolderState(account.id, POP3_FOLDER, null, 0);
    return result;
  } finally {
    session.close();
  }
}
