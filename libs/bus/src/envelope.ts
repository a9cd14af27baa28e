import { ContractError, ErrorCode } from '@mail/contracts';

/** What travels as a reply: a result or a typed error, never a stack trace. */
export type ReplyEnvelope = { ok: true; data: unknown } | { ok: false; error: { code: ErrorCode; message: string } };

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

export function errorReply(err: unknown): ReplyEnvelope {
  if (err instanceof ContractError) return { ok: false, error: { code: err.code, message: err.message } };
  // Internal details stay in the handler's log; the caller only learns that it may retry.
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
}

export function unwrapReply(subject: string, reply: unknown): unknown {
  const env = reply as ReplyEnvelope;
  if (env && env.ok === true) return env.data;
  if (env && env.ok === false && env.error) {
    const code = ErrorCode.safeParse(env.error.code);
    throw new ContractError(code.success ? code.data : 'INTERNAL', env.error.message ?? 'error');
  }
  throw new ContractError('INTERNAL', `malformed reply on ${subject}`);
}
