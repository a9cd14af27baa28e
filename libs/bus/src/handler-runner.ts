import { ContractError, type ParsedRequestOf, type RequestContract } from '@mail/contracts';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { errorReply, type ReplyEnvelope } from './envelope.js';
import type { RequestHandler } from './bus.port.js';
import { busMetrics } from './bus-metrics.js';

const tracer = trace.getTracer('mail-bus');

/**
 * Runs one request handler the same way for every transport: restore the caller's trace context,
 * validate the payload against the contract, map errors to a typed reply.
 */
export async function runHandler<C extends RequestContract>(
  contract: C,
  handler: RequestHandler<C>,
  raw: unknown,
  headers: Record<string, string>,
  logger?: Logger,
): Promise<ReplyEnvelope> {
  const parent = propagation.extract(context.active(), headers);
  return context.with(parent, () =>
    tracer.startActiveSpan(`handle ${contract.subject}`, { kind: SpanKind.SERVER, attributes: { 'messaging.destination.name': contract.subject } }, async (span) => {
      const started = performance.now();
      let outcome = 'ok';
      try {
        const parsed = contract.request.safeParse(raw);
        if (!parsed.success) {
          throw new ContractError('INVALID', `invalid ${contract.subject} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        }
        const data = await handler(parsed.data as ParsedRequestOf<C>);
        return { ok: true, data } as ReplyEnvelope;
      } catch (err) {
        outcome = err instanceof ContractError ? err.code : 'INTERNAL';
        if (!(err instanceof ContractError) || err.code === 'INTERNAL') {
          logger?.error({ err, subject: contract.subject }, 'bus handler failed');
          span.recordException(err as Error);
        }
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        return errorReply(err);
      } finally {
        busMetrics().handled.record((performance.now() - started) / 1000, { subject: contract.subject, outcome });
        span.end();
      }
    }),
  );
}

/** The trace context of the current span, as message headers. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
