import type { Meter } from '@opentelemetry/api';
import { totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The few runtime figures an operator looks at first: memory, CPU, event-loop delay. */
export function registerProcessMetrics(meter: Meter): void {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  meter.createObservableGauge('process_resident_memory_bytes', { unit: 'By' }).addCallback((r) => r.observe(process.memoryUsage.rss()));
  // The memory this process may use: its container's limit (cgroup memory.max), or the machine's
  // memory when there is none. Alerts compare RSS with it rather than with a fixed number.
  const limit = memoryLimitBytes() ?? totalmem();
  meter.createObservableGauge('process_memory_limit_bytes', { unit: 'By', description: 'cgroup memory limit, or the machine memory without one' }).addCallback((r) => r.observe(limit));
  meter.createObservableGauge('nodejs_heap_used_bytes', { unit: 'By' }).addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  meter.createObservableCounter('process_cpu_seconds_total', { unit: 's' }).addCallback((r) => {
    const u = process.cpuUsage();
    r.observe((u.user + u.system) / 1e6);
  });
  meter.createObservableGauge('nodejs_eventloop_delay_p99_seconds', { unit: 's' }).addCallback((r) => {
    r.observe(loop.percentile(99) / 1e9);
    loop.reset();
  });
}

/** Node reads the cgroup limit (v1 or v2); without one it answers 0 or a number near 2^64. */
export function memoryLimitBytes(constrained: number | undefined = process.constrainedMemory()): number | undefined {
  if (!constrained || !Number.isFinite(constrained) || constrained >= 2 ** 60) return undefined;
  return constrained;
}
