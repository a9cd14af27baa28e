import type { Readable } from 'node:stream';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { RemoteAuthError, RemoteMailbox, type RemoteFolderState, type RemoteMessageMeta } from '../copy/remote-mailbox.port.js';
import type { RemoteFolder } from '../copy/folder-plan.js';
import type { RemoteEndpoint } from './remote-endpoint.js';

export interface RemoteLogin {
  userName: string;
  password: string;
}

/**
 * RemoteMailbox over imapflow. Folders are opened read-only (EXAMINE): a migration never changes
 * the source, not even \Seen. Bodies are fetched as BODY.PEEK[] so the bytes are the server's
 * own, unchanged.
 */
export class ImapflowRemote extends RemoteMailbox {
  private constructor(private readonly client: ImapFlow) {
    super();
  }

  static async connect(endpoint: RemoteEndpoint, login: RemoteLogin, opts: { timeoutMs?: number } = {}): Promise<ImapflowRemote> {
    const timeout = opts.timeoutMs ?? 60_000;
    const client = new ImapFlow({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.tls === 'implicit',
      // starttls is required, not opportunistic: no silent fallback to plaintext
      doSTARTTLS: endpoint.tls === 'starttls' ? true : endpoint.tls === 'none' ? false : undefined,
      tls: { rejectUnauthorized: !endpoint.insecure, minVersion: 'TLSv1.2' },
      auth: { user: login.userName, pass: login.password },
      logger: false,
      disableAutoIdle: true,
      // compression would hide the bytes' sizes from throttling and costs CPU on both ends
      disableCompression: true,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 5,
      clientInfo: { name: 'mail-platform migration' },
    } as ConstructorParameters<typeof ImapFlow>[0]);
    // imapflow reports socket errors as events too; the failing command rejects, which is what we act on
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.close();
      const e = err as { authenticationFailed?: boolean; responseText?: string; message?: string };
      if (e.authenticationFailed) throw new RemoteAuthError(`the remote server refused the login for ${login.userName}${e.responseText ? `: ${e.responseText}` : ''}`);
      throw err;
    }
    return new ImapflowRemote(client);
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
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}

function dateOf(m: FetchMessageObject): Date {
  const d = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : null;
  return d && !Number.isNaN(d.getTime()) ? d : new Date(0);
}
