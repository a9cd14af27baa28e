import { ContractError, type EventContract, type EventOf, type RequestContract, type RequestOf, type ResponseOf } from '@mail/contracts';
import type { Logger } from 'pino';
import { Bus, type EventHandler, type RequestHandler, type RequestOptions, type SubscribeOptions, type Subscription } from './bus.port.js';
import { unwrapReply } from './envelope.js';
import { runHandler, traceHeaders } from './handler-runner.js';
import { withRequestSpan } from './request-span.js';
import { eventSubject, subjectMatches } from './subject-match.js';
import { withTimeout } from './timeout.js';

type AnyRequestHandler = (raw: unknown, headers: Record<string, string>) => Promise<unknown>;
interface EventSub {
  pattern: string;
  queue?: string;
  deliver: (raw: unknown) => void;
}

/**
 * The embedded mode's bus: same contracts, same JSON serialisation and validation as NATS, so a
 * payload that would not survive the wire fails here too. Requests to a subject with several
 * handlers go round-robin, as a NATS queue group would.
 */
export class InProcessBus extends Bus {
  private readonly handlers = new Map<string, AnyRequestHandler[]>();
  private readonly roundRobin = new Map<string, number>();
  private readonly events = new Set<EventSub>();
  private closed = false;

  constructor(private readonly opts: { service?: string; logger?: Logger } = {}) {
    super();
  }

  async request<C extends RequestContract>(contract: C, payload: RequestOf<C>, opts: RequestOptions = {}): Promise<ResponseOf<C>> {
    return withRequestSpan(contract.subject, async () => {
      const list = this.handlers.get(contract.subject);
      if (this.closed || !list?.length) throw new ContractError('UNAVAILABLE', `no service answers ${contract.subject}`);
      const next = (this.roundRobin.get(contract.subject) ?? 0) % list.length;
      this.roundRobin.set(contract.subject, next + 1);
      const wire = JSON.parse(JSON.stringify(payload ?? {}));
      const reply = await withTimeout(list[next](wire, traceHeaders()), opts.timeoutMs ?? 10_000, contract.subject);
      return contract.response.parse(unwrapReply(contract.subject, JSON.parse(JSON.stringify(reply)))) as ResponseOf<C>;
    });
  }

  async handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>): Promise<Subscription> {
    const fn: AnyRequestHandler = (raw, headers) => runHandler(contract, handler, raw, headers, this.opts.logger);
    const list = this.handlers.get(contract.subject) ?? [];
    list.push(fn);
    this.handlers.set(contract.subject, list);
    return {
      unsubscribe: async () => {
        const current = this.handlers.get(contract.subject) ?? [];
        this.handlers.set(contract.subject, current.filter((h) => h !== fn));
      },
    };
  }

  async publish<C extends EventContract>(contract: C, payload: EventOf<C>, suffix?: string): Promise<void> {
    if (this.closed) return;
    const subject = eventSubject(contract.subject, suffix);
    const wire = JSON.stringify(payload);
    const groups = new Map<string, EventSub[]>();
    for (const sub of this.events) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      if (sub.queue) groups.set(sub.queue, [...(groups.get(sub.queue) ?? []), sub]);
      // Delivered after the publisher's turn, as over a network: a slow subscriber never blocks it.
      else setImmediate(() => sub.deliver(JSON.parse(wire)));
    }
    // a queue group's event goes to one of its members, in turn, as NATS does
    for (const [queue, members] of groups) {
      const key = `event:${queue}:${subject}`;
      const next = (this.roundRobin.get(key) ?? 0) % members.length;
      this.roundRobin.set(key, next + 1);
      setImmediate(() => members[next].deliver(JSON.parse(wire)));
    }
  }

  async subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, suffix?: string, opts: SubscribeOptions = {}): Promise<Subscription> {
    const sub: EventSub = {
      pattern: eventSubject(contract.subject, suffix),
      queue: opts.queue,
      deliver: (raw) => {
        const parsed = contract.payload.safeParse(raw);
        if (!parsed.success) {
          this.opts.logger?.warn({ subject: contract.subject }, 'dropped an event that does not match its contract');
          return;
        }
        Promise.resolve()
          .then(() => handler(parsed.data as EventOf<C>))
          .catch((err) => this.opts.logger?.error({ err, subject: contract.subject }, 'event handler failed'));
      },
    };
    this.events.add(sub);
    return { unsubscribe: async () => void this.events.delete(sub) };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new ContractError('UNAVAILABLE', 'bus closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.events.clear();
  }
}
