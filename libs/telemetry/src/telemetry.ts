import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, InstrumentType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registerProcessMetrics } from './process-metrics.js';
import { LazyOtlpTraceExporter } from './lazy-otlp-exporter.js';

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP endpoint (e.g. http://otel-collector:4318); traces are exported only when set */
  otlpEndpoint?: string;
  /** extra exporter, e.g. an InMemorySpanExporter in tests (exported synchronously) */
  spanExporter?: SpanExporter;
}

export interface Telemetry {
  /** serves the Prometheus text format */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

/**
 * Starts tracing and metrics for the process. Call it first in main.ts, before anything creates a
 * tracer or meter. One process has one provider: the embedded mode starts it once for all modules.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (active) return active;
  const resource = resourceFromAttributes({ 'service.name': opts.service, 'service.instance.id': `${process.pid}` });

  const processors: SpanProcessor[] = [];
  const endpoint = opts.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) processors.push(new BatchSpanProcessor({ exporter: new LazyOtlpTraceExporter(`${endpoint.replace(/\/$/, '')}/v1/traces`) }));
  if (opts.spanExporter) processors.push(new SimpleSpanProcessor({ exporter: opts.spanExporter }));

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Nothing to export to: spans are not recorded (no attributes, events or timings kept for nobody),
  // but still have IDs, so logs carry trace IDs and the traceparent still crosses the bus.
  const sampler = processors.length ? undefined : new AlwaysOffSampler();
  const tracerProvider = new TracerProvider({ resource, spanProcessors: processors, ...(sampler ? { sampler } : {}) });
  trace.setGlobalTracerProvider(tracerProvider);

  // The exporter never opens its own port: /metrics is served by the service's ops server.
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    resource,
    readers: [prometheus],
    // Durations here are in seconds; the SDK's default buckets assume milliseconds. Histograms only:
    // a gauge named *_seconds (event-loop delay) stays a gauge.
    views: [{ instrumentName: '*_seconds', instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: SECONDS_BUCKETS } } }],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  registerProcessMetrics(metrics.getMeter('process'));

  active = {
    metricsHandler: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
      active = undefined;
    },
  };
  return active;
}
