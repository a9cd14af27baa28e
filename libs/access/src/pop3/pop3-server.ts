import type { BlobStore } from '@mail/blob';
import type { LeaseStore } from '@mail/bus';
import { errResponse } from '@mail/pop3-protocol';
import type { RefusedBy } from '@mail/limits';
import { AccessListener } from '../access-listener.js';
import { AccessServer, type AccessServerSettings } from '../access-server.js';
import { Pop3Backend } from './pop3-maildrop.port.js';
import { Pop3Session, type Pop3SessionContext } from './pop3-session.js';

/** The connection settings (listeners, TLS, limits, deadlines) are the connection layer's, shared with IMAP. */
export interface Pop3ServerOptions extends AccessServerSettings {
  /** RFC 1939 autologout: at least 10 minutes */
  idleTimeoutMs?: number;
  leaseTtlMs?: number;
  implementation?: string;
}

/** POP3 (RFC 1939, 2449, 2595, 5034) over the shared connection layer, serving INBOX through a `Pop3Backend`. */
export class Pop3Server extends AccessServer<Pop3Session, Pop3SessionContext> {
  protected readonly listener: AccessListener<Pop3Session>;
  protected readonly ctx: Pop3SessionContext;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Pop3ServerOptions,
    backend: Pop3Backend,
    blobs: BlobStore,
    leases: LeaseStore,
  ) {
    super();
    this.listener = new AccessListener<Pop3Session>({
      ...options,
      protocol: 'pop3',
      names: ['pop3', 'pop3s'],
      refusal,
      open: (socket, secure, client) => new Pop3Session(socket, secure, this.ctx, client),
      awaitingLogin: (session) => !session.authenticated,
    });
    this.ctx = {
      ...this.sharedContext(options),
      backend,
      blobs,
      leases,
      idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
      leaseTtlMs: options.leaseTtlMs ?? 60_000,
      implementation: options.implementation ?? 'mail-platform',
    };
  }

  override async start(): Promise<void> {
    await super.start();
    // one timer renews every session's maildrop lock, well before the TTL runs out
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(20, Math.floor(this.ctx.leaseTtlMs / 3)));
    this.renewTimer.unref();
  }

  /** Stops accepting, lets running commands finish, says goodbye to idle sessions, then cuts what is left. */
  override async stop(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await super.stop();
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      [...this.listener.open].map(async (session) => {
        const key = session.heldLease;
        if (!key) return;
        const kept = await this.ctx.leases.renew(key, session.id, this.ctx.leaseTtlMs).catch(() => true);
        // someone else owns the maildrop now: this session's view is no longer safe to act on
        if (!kept && session.heldLease === key) {
          this.options.logger.warn({ session: session.id }, 'maildrop lock lost');
          session.destroy();
        }
      }),
    );
  }
}

function refusal(limit: RefusedBy): string {
  return errResponse(limit === 'client' ? 'too many connections from your address' : 'too many connections', 'SYS/TEMP');
}
