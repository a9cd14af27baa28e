import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ContractError } from '@mail/contracts';
import { busMetrics } from './bus-metrics.js';

const tracer = trace.getTracer('mail-bus');

/** Wraps a request in a client span and the latency histogram, for every transport alike. */
export function withRequestSpan<T>(subject: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`request ${subject}`, { kind: SpanKind.CLIENT, attributes: { 'messaging.destination.name': subject } }, async (span) => {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await fn();
    } catch (err) {
      outcome = err instanceof ContractError ? err.code : 'INTERNAL';
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      throw err;
    } finally {
      busMetrics().requested.record((performance.now() - started) / 1000, { subject, outcome });
      span.end();
    }
  });
}
