import { trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs with the active trace and span IDs, so a log line leads to its trace. Credentials are
 * redacted wherever they appear under a known name; message bodies are never logged by design.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', 'pass', 'secret', 'token', 'authorization', '*.password', '*.pass', '*.secret', '*.token', '*.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
    mixin() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
