import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * The OTLP trace exporter, its modules loaded when the first batch is exported. Most processes
 * (the embedded one by default) have no OTLP endpoint, and the exporter's ~60 modules cost a start
 * ~0.2 s of CPU and ~17 MiB of RSS to load for nothing (ADR 0070); startTelemetry is synchronous, so
 * the exporter cannot simply be imported where it is configured.
 */
export class LazyOtlpTraceExporter implements SpanExporter {
  private exporter?: Promise<SpanExporter>;

  constructor(private readonly url: string) {}

  private load(): Promise<SpanExporter> {
    this.exporter ??= import('@opentelemetry/exporter-trace-otlp-http').then(({ OTLPTraceExporter }) => new OTLPTraceExporter({ url: this.url }));
    return this.exporter;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.load().then(
      (e) => e.export(spans, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.exporter) await (await this.exporter).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.exporter) await (await this.exporter).forceFlush?.();
  }
}
