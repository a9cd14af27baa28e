import type { BlobStore } from '@mail/blob';
import { untagged } from '@mail/imap-protocol';
import type { RefusedBy } from '@mail/limits';
import { AccessListener } from '../access-listener.js';
import { AccessServer, type AccessServerSettings } from '../access-server.js';
import type { AuthPort } from '../ports/auth.port.js';
import type { ChangeFeedPort } from '../ports/change-feed.port.js';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { SharingPort } from '../ports/sharing.port.js';
import { ImapSession, type ImapSessionContext } from './imap-session.js';
import { MessageMetaCache } from './message-meta-cache.js';

/** ~20,000 envelopes of everyday mail (~300 bytes each, with the key and the entry) */
const DEFAULT_MESSAGE_CACHE_BYTES = 8 * 1024 * 1024;

/** The connection settings (listeners, TLS, limits, deadlines) are the connection layer's, shared with POP3. */
export interface ImapServerOptions extends AccessServerSettings {
  /** autologout once authenticated; default 30 minutes (RFC 3501 5.4) */
  idleTimeoutMs?: number;
  /** how long an unauthenticated connection may stay silent; default 60 s */
  loginTimeoutMs?: number;
  /** default 64 KiB */
  maxCommandSize?: number;
  /** default 64 MiB */
  maxAppendSize?: number;
  /** mailbox sharing (RFC 4314 ACL); without it the ACL commands answer NO */
  sharing?: SharingPort;
  /** bytes (estimated) of envelopes, sizes and dates kept for FETCH (ADR 0079); default 8 MiB, 0: none */
  messageCacheBytes?: number;
}

/** IMAP4rev1 over the shared connection layer, serving mailboxes through the store, auth and change-feed ports. */
export class ImapServer extends AccessServer<ImapSession, ImapSessionContext> {
  protected readonly listener: AccessListener<ImapSession>;
  protected readonly ctx: ImapSessionContext;

  constructor(options: ImapServerOptions, store: MailStorePort, auth: AuthPort, changes: ChangeFeedPort, blobs: BlobStore) {
    super();
    this.listener = new AccessListener<ImapSession>({
      ...options,
      protocol: 'imap',
      names: ['imap', 'imaps'],
      refusal,
      open: (socket, secure, client) => new ImapSession(socket, secure, this.ctx, client),
      awaitingLogin: (session) => session.state === 'not-authenticated',
    });
    this.ctx = {
      ...this.sharedContext(options),
      store,
      auth,
      changes,
      blobs,
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      loginTimeoutMs: options.loginTimeoutMs ?? 60_000,
      maxCommandSize: options.maxCommandSize ?? 64 * 1024,
      maxAppendSize: options.maxAppendSize ?? 64 * 1024 * 1024,
      sharing: options.sharing,
      messageCache: (options.messageCacheBytes ?? DEFAULT_MESSAGE_CACHE_BYTES) > 0 ? new MessageMetaCache(options.messageCacheBytes ?? DEFAULT_MESSAGE_CACHE_BYTES) : undefined,
      admitUser: (session, accountId) => this.listener.admitUser(session, accountId, session.remoteAddress),
    };
  }
}

function refusal(limit: RefusedBy): string {
  return untagged(`BYE [UNAVAILABLE] ${limit === 'client' ? 'Too many connections from your address' : 'Too many connections'}, try again later`);
}
