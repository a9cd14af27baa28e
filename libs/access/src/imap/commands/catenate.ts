import { badUrlCode, parseImapUrl, type CatenatePart } from '@mail/imap-protocol';
import { tenantOf } from '../caller.js';
import { AppendUpload, appendPutOptions } from '../append-upload.js';
import { checkFlags } from '../flag-arguments.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { no, replyForError, type Reply, type ReplyError } from '../reply.js';
import { readSection, type SectionData } from '../section-reader.js';
import type { Command, CommandSpec, ImapUser, SessionHandle } from '../session-handle.js';
import { appendEnd } from './append.js';

type Catenate = Command<'APPEND'>;

/** a URL part that cannot be used: the same answer whatever the reason, so nothing is learnt of mailboxes one may not read */
class BadUrl extends Error {}

/**
 * The message a URL part names (RFC 4469 5, RFC 5092), read with the caller's own rights: an
 * `imap://` URL of another user, a mailbox it cannot see or read (ACL "r", ADR 0044), another
 * UIDVALIDITY or a UID that is not there are all BADURL.
 */
async function resolveUrl(s: SessionHandle, user: ImapUser, url: string): Promise<SectionData> {
  const ref = parseImapUrl(url);
  if (!ref) throw new BadUrl();
  if (ref.user !== null && ref.user.toLowerCase() !== user.address.toLowerCase()) throw new BadUrl();
  const tenant = tenantOf(user);
  try {
    const info = await s.ctx.store.mailboxStatus({ accountId: user.accountId, tenant, name: mailboxArgument(ref.mailbox, true) });
    if (info.rights !== undefined && !info.rights.includes('r')) throw new BadUrl();
    if (ref.uidValidity !== null && ref.uidValidity !== info.uidValidity) throw new BadUrl();
    const res = await s.ctx.store.fetchMessages({
      accountId: user.accountId,
      tenant,
      mailboxId: info.id,
      uids: [[ref.uid, ref.uid]],
      bodyStructure: ref.section !== null && ref.section.part.length > 0,
      bodyRefs: true,
      limit: 1,
    });
    const msg = res.messages[0];
    if (!msg || msg.uid !== ref.uid) throw new BadUrl();
    return await readSection(s.ctx.blobs, msg, ref.section ?? { part: [], text: null, fields: [] }, ref.partial);
  } catch (err) {
    if (err instanceof BadUrl) throw err;
    // NOT_FOUND, NOPERM and the like: one answer for all
    throw new BadUrl();
  }
}

function sizeOf(d: SectionData): number {
  return d.kind === 'buffer' ? d.data.length : d.size;
}

function release(data: SectionData[]): void {
  for (const d of data) if (d.kind === 'stream') d.stream.destroy();
}

/**
 * APPEND with CATENATE (RFC 4469): the message is the TEXT literals and the messages or sections
 * the URLs name, in order, streamed into one new blob, then stored as APPEND stores any message
 * (append.ts: APPENDUID, \Recent, quota). The TEXT parts arrive within the command (the command
 * size limit bounds them, ADR 0056); URL parts may be as large as the APPEND limit allows.
 */
export const catenate: CommandSpec<Catenate> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    try {
      checkFlags(cmd.flags);
    } catch (err) {
      return (err as ReplyError).reply;
    }
    const mailbox = mailboxArgument(cmd.mailbox, s.utf8Names);
    const data: SectionData[] = [];
    let size = 0;
    try {
      for (const part of cmd.parts) {
        const d = await dataOf(s, user, part);
        data.push(d);
        size += sizeOf(d);
        if (size > s.ctx.maxAppendSize) {
          release(data);
          return no(`message larger than ${s.ctx.maxAppendSize} bytes`, 'TOOBIG');
        }
      }
    } catch (err) {
      release(data);
      if (err instanceof BadUrl) return (await missingTarget(s, user, mailbox)) ?? no('CATENATE cannot use this URL', badUrlCode(urlOf(cmd.parts, data.length)));
      throw err;
    }
    const upload = new AppendUpload({ tag: cmd.tag, mailbox, flags: cmd.flags, date: cmd.date, size, nonSync: true }, s.ctx.blobs, appendPutOptions(s.ctx.store));
    s.upload = upload;
    try {
      for (const d of data) {
        if (d.kind === 'buffer') await upload.write(d.data);
        else for await (const chunk of d.stream) await upload.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      }
    } catch (err) {
      release(data);
      s.upload = null;
      await upload.abort();
      throw err;
    }
    // stores it, answers with the tagged reply and records the command, as for a literal's APPEND
    await appendEnd(s, null);
    return null;
  },
};

/**
 * A target that does not exist is TRYCREATE whatever its URLs say (as Dovecot answers and imaptest
 * expects: the client's next step is to create it, not to fix a URL). Asked only once a URL has
 * failed, so a good CATENATE costs nothing more; it tells no more than a plain APPEND does.
 */
async function missingTarget(s: SessionHandle, user: ImapUser, mailbox: string): Promise<Reply | null> {
  try {
    await s.ctx.store.mailboxStatus({ accountId: user.accountId, tenant: tenantOf(user), name: mailbox });
    return null;
  } catch (err) {
    const reply = replyForError(err, true);
    return reply?.code === 'TRYCREATE' ? reply : null;
  }
}

async function dataOf(s: SessionHandle, user: ImapUser, part: CatenatePart): Promise<SectionData> {
  return part.kind === 'text' ? { kind: 'buffer', data: part.data } : resolveUrl(s, user, part.url);
}

function urlOf(parts: CatenatePart[], index: number): string {
  const part = parts[index];
  return part?.kind === 'url' ? part.url : '';
}
