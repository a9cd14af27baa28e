import { ContractError } from '@mail/contracts';
import type { Msg, MsgHdrs, NatsConnection, Subscription as NatsSub } from '@nats-io/transport-node';

interface Waiting {
  subject: string;
  resolve: (msg: Msg) => void;
  reject: (err: ContractError) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over one wildcard subscription of the connection's own inbox, as NATS's client
 * does it, without its per-request bookkeeping: `@nats-io/nats-core` 3.4 builds a `RequestError`,
 * stack and all, in `RequestOne.cancel()` after every answered request (`noAsyncTraces` does not
 * cover it), ~1 % of smtp-in's CPU per message (ADR 0075). A reply is matched by the last token
 * of its subject; the server's "no responders" status (an empty message with status 503, which the
 * client asks for at connect) fails the request at once, as NATS's own request does.
 */
export class ReplyInbox {
  private readonly waiting = new Map<string, Waiting>();
  private readonly prefix: string;
  private readonly sub: NatsSub;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    inbox: string,
  ) {
    this.prefix = `${inbox}.`;
    this.sub = nc.subscribe(`${inbox}.*`, { callback: (_err, msg) => this.settle(msg) });
    // a closed connection answers nothing more: fail what waits instead of letting it time out
    void nc.closed().then(() => this.failAll('NATS connection closed'));
  }

  /** Publishes `data` to `subject` with a reply subject of this inbox; resolves with the reply. */
  request(subject: string, data: Uint8Array, timeoutMs: number, headers: MsgHdrs | undefined, name = subject): Promise<Msg> {
    const token = (++this.next).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new ContractError('TIMEOUT', `${name} did not answer in time`));
      }, timeoutMs);
      this.waiting.set(token, { subject: name, resolve, reject, timer });
      try {
        this.nc.publish(subject, data, { reply: this.prefix + token, headers });
      } catch (err) {
        clearTimeout(timer);
        this.waiting.delete(token);
        reject(new ContractError('UNAVAILABLE', `${name}: ${(err as Error)?.message ?? 'request failed'}`));
      }
    });
  }

  /** Stops listening; whatever still waits fails as unavailable. */
  close(): void {
    this.sub.unsubscribe();
    this.failAll('bus closed');
  }

  private settle(msg: Msg | undefined): void {
    if (!msg?.subject.startsWith(this.prefix)) return;
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return; // timed out meanwhile, or a second reply: the first one counted
    this.waiting.delete(token);
    clearTimeout(w.timer);
    if (msg.data.length === 0 && msg.headers?.code === 503) w.reject(new ContractError('UNAVAILABLE', `no service answers ${w.subject}`));
    else w.resolve(msg);
  }

  private failAll(why: string): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new ContractError('UNAVAILABLE', `${w.subject}: ${why}`));
    }
    this.waiting.clear();
  }
}
