import type { AppendAll, RecentRange, ResponseOf } from '@mail/contracts';
import { appendUidCode, continuation, tagged, type AppendHeader, type ImapParseError } from '@mail/imap-protocol';
import { recordCommand } from '../../access-metrics.js';
import { accountLimits, appendFits } from '../account-quota.js';
import { AppendUpload, appendPutOptions, releaseHeld, type StoredBody } from '../append-upload.js';
import { checkFlags } from '../flag-arguments.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { bad, no, ok, replyForError, type Reply, type ReplyError } from '../reply.js';
import type { SessionHandle } from '../session-handle.js';
import { tenantOf } from '../caller.js';

/** a message of a MULTIAPPEND that is already in the blob store, waiting for the others */
interface StoredUpload extends StoredBody {
  upload: AppendUpload;
}

/** the earlier messages of the MULTIAPPEND (RFC 3502) a session is receiving */
const earlierMessages = new WeakMap<SessionHandle, StoredUpload[]>();

/** Gives up the APPEND in progress: its blobs, the message arriving and those before it, are removed. */
export async function abortAppend(s: SessionHandle): Promise<void> {
  const upload = s.upload;
  s.upload = null;
  const earlier = earlierMessages.get(s) ?? [];
  earlierMessages.delete(s);
  await Promise.all([upload?.abort(), ...earlier.map((e) => e.upload.abort())]);
}

/**
 * APPEND (RFC 3501 6.3.11, APPENDUID of RFC 4315, MULTIAPPEND of RFC 3502, literal8 of RFC 3516,
 * `UTF8 (~{n})` of RFC 6855 4).
 * Unlike other commands it arrives in pieces from the reader (a header per message, literal bytes,
 * end), so it is three steps instead of one CommandSpec: each header is checked before the client
 * sends a large literal, the bytes stream into the blob store, and the end hands the stored blobs
 * to the store: one message as it is, several in one transaction (all or none).
 */
export async function appendStart(s: SessionHandle, header: AppendHeader): Promise<void> {
  const refuse = async (reply: Reply) => {
    s.reader.rejectLiteral();
    await abortAppend(s);
    await s.out.send(tagged(header.tag, reply.status, reply.text, reply.code));
  };
  if (!s.user) return refuse(bad('Log in first'));
  // RFC 6855 4: the UTF8 data item belongs to sessions that enabled UTF8=ACCEPT
  if (header.utf8 && !s.utf8Accept) return refuse(bad('APPEND with UTF8 needs ENABLE UTF8=ACCEPT first'));
  if (header.continued && s.upload) {
    // the message before is complete: it waits in the blob store for the others
    const upload = s.upload;
    s.upload = null;
    try {
      const stored = await releaseHeld(s.ctx.blobs, await upload.finish());
      earlierMessages.set(s, [...(earlierMessages.get(s) ?? []), { upload, ...stored }]);
    } catch (err) {
      await upload.abort();
      const mapped = replyForError(err);
      if (!mapped) s.logger.error({ err }, 'APPEND upload failed');
      return refuse(mapped ?? no('Could not store the message, try again', 'SERVERBUG'));
    }
  }
  let flags: string[];
  try {
    flags = checkFlags(header.flags);
  } catch (err) {
    return refuse((err as ReplyError).reply);
  }
  const mailbox = mailboxArgument(header.mailbox, s.utf8Names);
  if (!header.nonSync) {
    // before the client sends a large literal: does the mailbox exist, and do the messages fit?
    try {
      if (!header.continued) await s.ctx.store.mailboxStatus({ accountId: s.user.accountId, tenant: tenantOf(s.user), name: mailbox });
    } catch (err) {
      return refuse(replyForError(err, true) ?? no('Internal error', 'SERVERBUG'));
    }
    const before = (earlierMessages.get(s) ?? []).reduce((n, e) => n + e.size, 0);
    const full = await appendFits(s, s.user, await accountLimits(s, s.user), before + header.size);
    if (full) return refuse(full);
  }
  s.upload = new AppendUpload({ ...header, mailbox, flags }, s.ctx.blobs, appendPutOptions(s.ctx.store));
  if (!header.nonSync) await s.out.send(continuation('Ready for literal data'));
}

export async function appendData(s: SessionHandle, data: Buffer): Promise<void> {
  if (s.upload) await s.upload.write(data);
}

export async function appendEnd(s: SessionHandle, error: ImapParseError | null): Promise<void> {
  const upload = s.upload;
  const earlier = earlierMessages.get(s) ?? [];
  s.upload = null;
  earlierMessages.delete(s);
  if (!upload) return;
  const tag = upload.header.tag;
  const user = s.user;
  if (error || !user) {
    await Promise.all([upload.abort(), ...earlier.map((e) => e.upload.abort())]);
    const status = error?.code === 'TOOBIG' ? 'NO' : 'BAD';
    await s.out.send(tagged(tag, status, error?.message ?? 'Log in first', error?.code));
    return;
  }
  let reply: Reply;
  const stored: StoredUpload[] = [...earlier];
  try {
    stored.push({ upload, ...(await upload.finish()) });
    // cached per account, so asking again after the literal costs nothing
    const quota = await accountLimits(s, user);
    // \Recent of an IMAP4rev1 session's append to its own mailbox: claimed in the same request (ADR 0034)
    const recent = s.selected?.claimsOwnAppend(upload.header.mailbox) ? ('claim' as const) : undefined;
    let results: ResponseOf<typeof AppendAll>['results'];
    let claimed: RecentRange | undefined;
    if (stored.length === 1) {
      const res = await s.ctx.store.appendMessage({ accountId: user.accountId, tenant: tenantOf(user), mailbox: upload.header.mailbox, blobKey: stored[0]!.key, size: stored[0]!.size, flags: upload.header.flags, internalDate: upload.header.date?.toISOString(), index: stored[0]!.index, quota, recent, bodyUnflushed: stored[0]!.bodyUnflushed, inlineBody: stored[0]!.inlineBody });
      results = [res];
      claimed = res.recent;
    } else {
      const res = await s.ctx.store.appendAll({
        accountId: user.accountId,
        tenant: tenantOf(user),
        mailbox: upload.header.mailbox,
        quota,
        recent,
        messages: stored.map((m) => ({ blobKey: m.key, size: m.size, flags: m.upload.header.flags, internalDate: m.upload.header.date?.toISOString(), index: m.index, bodyUnflushed: m.bodyUnflushed, inlineBody: m.inlineBody })),
      });
      results = res.results;
      claimed = res.recent;
    }
    const selected = s.selected;
    for (const res of results) {
      if (selected && res.mailboxId === selected.mailboxId) {
        const text = selected.ownAppend(res, claimed);
        if (text) await s.out.send(text);
      }
    }
    const first = results[0]!;
    const last = results[results.length - 1]!;
    // RFC 4315: the UIDs of a MULTIAPPEND are one range (the store gave them in a row)
    reply = ok('APPEND completed', results.length === 1 ? appendUidCode(first.uidValidity, first.uid) : `APPENDUID ${first.uidValidity} ${first.uid}:${last.uid}`);
  } catch (err) {
    await Promise.all(stored.map((m) => m.upload.abort()));
    await upload.abort();
    const mapped = replyForError(err, true);
    if (!mapped) s.logger.error({ err }, 'APPEND failed');
    reply = mapped ?? no('Could not store the message, try again', 'SERVERBUG');
  }
  await s.synchronise();
  await s.updateSearchContexts();
  await s.out.send(tagged(tag, reply.status, reply.text, reply.code));
  recordCommand('imap', 'APPEND', reply.status.toLowerCase(), (performance.now() - (earlier[0]?.upload ?? upload).started) / 1000);
}
