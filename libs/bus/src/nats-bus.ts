import { ContractError, type EventContract, type EventOf, type RequestContract, type RequestOf, type ResponseOf } from '@mail/contracts';
import type { Msg, MsgHdrs, NatsConnection, Subscription as NatsSub } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Bus, type EventHandler, type RequestHandler, type RequestOptions, type SubscribeOptions, type Subscription } from './bus.port.js';
import { decodeJson, encodeJson, unwrapReply } from './envelope.js';
import { runHandler, traceHeaders } from './handler-runner.js';
import { ReplyInbox } from './reply-inbox.js';
import { withRequestSpan } from './request-span.js';
import { eventSubject } from './subject-match.js';

/** NATS's header constructor, set by the first connect: the client is loaded then (ADR 0070) */
let natsHeaders: typeof import('@nats-io/transport-node').headers;

export interface NatsBusOptions {
  url: string;
  /** queue group: replicas of one service share requests */
  service: string;
  /** subject prefix, so that test runs (or tenants of one NATS) never see each other's traffic */
  prefix?: string;
  logger?: Logger;
}

/** The distributed bus: NATS request/reply with queue groups, plain subscriptions for events. */
export class NatsBus extends Bus {
  private readonly subs = new Set<NatsSub>();
  /** where this connection's requests get their replies (ADR 0075) */
  private readonly replies: ReplyInbox;

  private constructor(
    readonly nc: NatsConnection,
    private readonly opts: NatsBusOptions,
    inbox: string,
  ) {
    super();
    this.replies = new ReplyInbox(nc, inbox);
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    // loaded here, not with the library: the embedded mode (the in-process bus) never needs it
    const { connect, createInbox, headers } = await import('@nats-io/transport-node');
    natsHeaders = headers;
    const nc = await connect({
      servers: opts.url,
      name: opts.service,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // Otherwise every request builds an Error just to keep its stack for a possible timeout:
      // a measurable share of the CPU per message (bench/README.md). Our errors name the subject.
      noAsyncTraces: true,
    });
    return new NatsBus(nc, opts, createInbox());
  }

  get prefix(): string {
    return this.opts.prefix ? `${this.opts.prefix}.` : '';
  }

  async request<C extends RequestContract>(contract: C, payload: RequestOf<C>, opts: RequestOptions = {}): Promise<ResponseOf<C>> {
    const subject = this.prefix + contract.subject;
    return withRequestSpan(contract.subject, async () => {
      const msg = await this.replies.request(subject, encodeJson(payload ?? {}), opts.timeoutMs ?? 10_000, toNatsHeaders(traceHeaders()), contract.subject);
      return contract.response.parse(unwrapReply(contract.subject, decodeJson(msg.data))) as ResponseOf<C>;
    });
  }

  async handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>): Promise<Subscription> {
    const sub = this.nc.subscribe(this.prefix + contract.subject, {
      queue: this.opts.service,
      callback: (err, msg) => {
        if (err) return this.opts.logger?.error({ err, subject: contract.subject }, 'subscription error');
        void this.answer(contract, handler, msg);
      },
    });
    return this.track(sub);
  }

  private async answer<C extends RequestContract>(contract: C, handler: RequestHandler<C>, msg: Msg): Promise<void> {
    let raw: unknown;
    try {
      raw = decodeJson(msg.data);
    } catch {
      raw = undefined; // fails validation below with a clear INVALID reply
    }
    const reply = await runHandler(contract, handler, raw, fromNatsHeaders(msg.headers), this.opts.logger);
    try {
      msg.respond(encodeJson(reply));
    } catch (err) {
      this.opts.logger?.error({ err, subject: contract.subject }, 'could not send reply (too large or connection closed)');
      msg.respond(encodeJson({ ok: false, error: { code: 'INTERNAL', message: 'reply could not be sent' } }));
    }
  }

  async publish<C extends EventContract>(contract: C, payload: EventOf<C>, suffix?: string): Promise<void> {
    this.nc.publish(this.prefix + eventSubject(contract.subject, suffix), encodeJson(payload), { headers: toNatsHeaders(traceHeaders()) });
  }

  async subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, suffix?: string, opts: SubscribeOptions = {}): Promise<Subscription> {
    const sub = this.nc.subscribe(this.prefix + eventSubject(contract.subject, suffix), {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return;
        let parsed;
        try {
          parsed = contract.payload.safeParse(decodeJson(msg.data));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) {
          this.opts.logger?.warn({ subject: msg.subject }, 'dropped an event that does not match its contract');
          return;
        }
        Promise.resolve()
          .then(() => handler(parsed.data as EventOf<C>))
          .catch((e) => this.opts.logger?.error({ err: e, subject: msg.subject }, 'event handler failed'));
      },
    });
    return this.track(sub);
  }

  private track(sub: NatsSub): Subscription {
    this.subs.add(sub);
    return {
      unsubscribe: async () => {
        this.subs.delete(sub);
        sub.unsubscribe();
      },
    };
  }

  async ping(): Promise<void> {
    if (this.nc.isClosed()) throw new ContractError('UNAVAILABLE', 'NATS connection closed');
    await this.nc.flush();
  }

  /** Drain: stop taking requests, let the in-flight handlers answer, then close. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }
}

function toNatsHeaders(values: Record<string, string>): MsgHdrs | undefined {
  const entries = Object.entries(values);
  if (!entries.length) return undefined;
  const h = natsHeaders();
  for (const [k, v] of entries) h.set(k, v);
  return h;
}

function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k.toLowerCase()] = h.get(k);
  return out;
}
