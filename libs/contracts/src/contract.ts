import { z } from 'zod';

/** A request/response pair on the bus: a versioned subject and the schemas both sides validate. */
export interface RequestContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}

/** An event: published to `subject` or `subject.<suffix>` (e.g. per account), seen by every subscriber. */
export interface EventContract<P extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly payload: P;
}

export type RequestOf<C extends RequestContract> = z.input<C['request']>;
export type ParsedRequestOf<C extends RequestContract> = z.output<C['request']>;
export type ResponseOf<C extends RequestContract> = z.output<C['response']>;
export type EventOf<C extends EventContract> = z.output<C['payload']>;

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  response: Res,
): RequestContract<Req, Res> {
  return { kind: 'request', subject, request, response };
}

export function defineEvent<P extends z.ZodType>(subject: string, payload: P): EventContract<P> {
  return { kind: 'event', subject, payload };
}

/** Error codes a handler may answer with; each side maps them once to its protocol's replies. */
export const ErrorCode = z.enum([
  'INVALID', // payload failed validation or violates a rule
  'NOT_FOUND',
  'CONFLICT', // already exists
  'OVER_QUOTA',
  'FORBIDDEN',
  'UNAVAILABLE', // a dependency is down: retry later
  'TIMEOUT',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Thrown by handlers (and re-thrown to requesters) to carry a typed error across the bus. */
export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
  /** Errors a caller may retry (the sender gets a 4xx, the queue a backoff). */
  get transient(): boolean {
    return isTransientCode(this.code);
  }
}

/** The codes of ContractError.transient, for callers that hold a code without an error (batch results). */
export function isTransientCode(code: ErrorCode): boolean {
  return code === 'UNAVAILABLE' || code === 'TIMEOUT' || code === 'INTERNAL';
}
