import type { EventContract, EventOf, ParsedRequestOf, RequestContract, RequestOf, ResponseOf } from '@mail/contracts';

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface RequestOptions {
  /** default 10 s; appends of big messages and searches of big mailboxes may want more */
  timeoutMs?: number;
}

export type RequestHandler<C extends RequestContract> = (payload: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
export type EventHandler<C extends EventContract> = (payload: EventOf<C>) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Subscribers sharing a queue name split the events between them, each event going to one of
   * them (a NATS queue group): for work every event needs done once, such as recording message
   * trace, rather than news every replica must hear.
   */
  queue?: string;
}

/**
 * The only way services talk to each other. Two adapters: NATS (distributed) and in-process
 * (embedded); both serialise to JSON, validate handler payloads against the contract and carry the
 * trace context, so the embedded mode exercises the same code paths as production.
 */
export abstract class Bus {
  abstract request<C extends RequestContract>(contract: C, payload: RequestOf<C>, opts?: RequestOptions): Promise<ResponseOf<C>>;
  abstract handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>): Promise<Subscription>;
  abstract publish<C extends EventContract>(contract: C, payload: EventOf<C>, suffix?: string): Promise<void>;
  abstract subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, suffix?: string, opts?: SubscribeOptions): Promise<Subscription>;
  /** resolves when the transport is connected and answering (readiness) */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
