import { appendUidCode, continuation, tagged, type AppendHeader, type ImapParseError } from '@mail/imap-protocol';
import { recordCommand } from '../../access-metrics.js';
import { accountLimits, appendFits } from '../account-quota.js';
import { AppendUpload } from '../append-upload.js';
import { checkFlags } from '../flag-arguments.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { bad, no, ok, replyForError, type Reply, type ReplyError } from '../reply.js';
import type { SessionHandle } from '../session-handle.js';

/**
 * APPEND (RFC 3501 6.3.11, APPENDUID of RFC 4315). Unlike other commands it arrives in pieces from
 * the reader (header, literal bytes, end), so it is three steps instead of one CommandSpec: the
 * header is checked before the client sends a large literal, the bytes stream into the blob store,
 * and the end hands the stored blob to the store.
 */
export async function appendStart(s: SessionHandle, header: AppendHeader): Promise<void> {
  const refuse = async (reply: Reply) => {
    s.reader.rejectLiteral();
    await s.out.send(tagged(header.tag, reply.status, reply.text, reply.code));
  };
  if (!s.user) return refuse(bad('Log in first'));
  let flags: string[];
  try {
    flags = checkFlags(header.flags);
  } catch (err) {
    return refuse((err as ReplyError).reply);
  }
  const mailbox = mailboxArgument(header.mailbox);
  if (!header.nonSync) {
    // before the client sends a large literal: does the mailbox exist, and does the message fit?
    try {
      await s.ctx.store.mailboxStatus({ accountId: s.user.accountId, name: mailbox });
    } catch (err) {
      return refuse(replyForError(err, true) ?? no('Internal error', 'SERVERBUG'));
    }
    const full = await appendFits(s, s.user, await accountLimits(s, s.user), header.size);
    if (full) return refuse(full);
  }
  s.upload = new AppendUpload({ ...header, mailbox, flags }, s.ctx.blobs);
  if (!header.nonSync) await s.out.send(continuation('Ready for literal data'));
}

export async function appendData(s: SessionHandle, data: Buffer): Promise<void> {
  if (s.upload) await s.upload.write(data);
}

export async function appendEnd(s: SessionHandle, error: ImapParseError | null): Promise<void> {
  const upload = s.upload;
  s.upload = null;
  if (!upload) return;
  const tag = upload.header.tag;
  const user = s.user;
  if (error || !user) {
    await upload.abort();
    await s.out.send(tagged(tag, 'BAD', error?.message ?? 'Log in first'));
    return;
  }
  let reply: Reply;
  try {
    const { key, size, index } = await upload.finish();
    try {
      const res = await s.ctx.store.appendMessage({
        accountId: user.accountId,
        mailbox: upload.header.mailbox,
        blobKey: key,
        size,
        flags: upload.header.flags,
        internalDate: upload.header.date?.toISOString(),
        index,
        // cached per account, so asking again after the literal costs nothing
        quota: await accountLimits(s, user),
      });
      const selected = s.selected;
      if (selected && res.mailboxId === selected.mailboxId) {
        const text = selected.ownAppend(res);
        if (text) await s.out.send(text);
      }
      reply = ok('APPEND completed', appendUidCode(res.uidValidity, res.uid));
    } catch (err) {
      await s.ctx.blobs.delete(key).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await upload.abort();
    const mapped = replyForError(err, true);
    if (!mapped) s.logger.error({ err }, 'APPEND failed');
    reply = mapped ?? no('Could not store the message, try again', 'SERVERBUG');
  }
  await s.synchronise();
  await s.out.send(tagged(tag, reply.status, reply.text, reply.code));
  recordCommand('imap', 'APPEND', reply.status.toLowerCase(), (performance.now() - upload.started) / 1000);
}
