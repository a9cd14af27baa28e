import type { Readable } from 'node:stream';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { RemoteAuthError, RemoteMailbox, type RemoteFolderState, type RemoteMessageMeta } from '../copy/remote-mailbox.port.js';
import type { RemoteFolder } from '../copy/folder-plan.js';
import type { RemoteEndpoint } from './remote-endpoint.js';

/**
 * Opens an authenticated imapflow session to a source server. The compositions pass
 * libs/migration's `openImapSession` (ADR 0028): one TLS policy (TLS 1.2+, certificates always
 * verified against the system roots and REMOTE_TLS_CA_FILE), timeouts and size bounds for
 * everything that talks to other servers. Errors carry `kind: 'auth'` for a refused login.
 */
export type ImapSessionOpener = (endpoint: RemoteEndpoint, credentials: { username: string; password: string }) => Promise<ImapFlow>;

/**
 * RemoteMailbox over imapflow. Folders are opened read-only (EXAMINE): a migration never changes
 * the source, not even \Seen. Bodies are fetched as BODY.PEEK[] so the bytes are the server's
 * own, unchanged.
 */
export class ImapflowRemote extends RemoteMailbox {
  constructor(private readonly client: ImapFlow) {
    super();
  }

  /** a session for one user; a refused login becomes RemoteAuthError (the user fails, no retry) */
  static async open(open: ImapSessionOpener, endpoint: RemoteEndpoint, credentials: { username: string; password: string }): Promise<ImapflowRemote> {
    try {
      return new ImapflowRemote(await open(endpoint, credentials));
    } catch (err) {
      const e = err as { kind?: string; authenticationFailed?: boolean; message?: string };
      if (e?.kind === 'auth' || e?.authenticationFailed) throw new RemoteAuthError(`the remote server refused the login for ${credentials.username}: ${e.message ?? 'authentication failed'}`);
      throw err;
    }
  }

  async listFolders(): Promise<{ folders: RemoteFolder[]; personalPrefix: string }> {
    const list = await this.client.list();
    const folders = list.map((l) => {
      const flags = [...l.flags];
      // imapflow reports the RFC 6154 attribute in specialUse too (and, for servers without SPECIAL-USE,
      // a guess by name, which our plan makes itself): only the server's own attributes are passed on
      if (l.specialUse && l.specialUseSource === 'extension' && !flags.includes(l.specialUse)) flags.push(l.specialUse);
      return { path: l.path, delimiter: l.delimiter || null, flags };
    });
    return { folders, personalPrefix: this.client.namespace?.prefix ?? '' };
  }

  async openFolder(path: string): Promise<RemoteFolderState> {
    const box = await this.client.mailboxOpen(path, { readOnly: true });
    let uidNext = box.uidNext;
    if (!uidNext) {
      const status = await this.client.status(path, { uidNext: true });
      uidNext = (status && status.uidNext) || 1;
    }
    return { uidValidity: Number(box.uidValidity), uidNext, messages: box.exists };
  }

  async listMessages(from: number, to: number, opts: { messageId?: boolean } = {}): Promise<RemoteMessageMeta[]> {
    const out: RemoteMessageMeta[] = [];
    const query = { uid: true, flags: true, internalDate: true, size: true, envelope: !!opts.messageId };
    for (const m of await this.client.fetchAll(`${from}:${to}`, query, { uid: true })) {
      // a UID range may name the highest UID even when it is below `from` ("n:*" semantics do not apply to n:m, but be strict)
      if (m.uid < from || m.uid > to) continue;
      out.push({ uid: m.uid, flags: [...(m.flags ?? [])], internalDate: dateOf(m), size: m.size ?? 0, messageId: opts.messageId ? (m.envelope?.messageId ?? null) : undefined });
    }
    return out.sort((a, b) => a.uid - b.uid);
  }

  async *fetchBodies(uids: readonly number[]): AsyncIterable<{ uid: number; body: Buffer }> {
    if (!uids.length) return;
    const wanted = new Set(uids);
    // collected first: imapflow forbids other commands while a fetch iterator is open, and the
    // caller writes to the blob store between items; the group is bounded in bytes by the caller
    const got = await this.client.fetchAll(uids.join(','), { uid: true, source: true }, { uid: true });
    for (const m of got.sort((a, b) => a.uid - b.uid)) {
      if (m.source && wanted.has(m.uid)) yield { uid: m.uid, body: m.source };
    }
  }

  async downloadBody(uid: number): Promise<Readable | null> {
    const d = await this.client.download(String(uid), undefined, { uid: true });
    return d.content ?? null;
  }

  async close(): Promise<void> {
    if (this.client.usable) await this.client.logout().catch(() => undefined);
    this.client.close();
  }
}

function dateOf(m: FetchMessageObject): Date {
  const d = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : null;
  return d && !Number.isNaN(d.getTime()) ? d : new Date(0);
}
