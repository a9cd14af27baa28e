import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exposedMetricNames, promqlMetricNames } from './promql-metric-names.js';

const names = (expr: string) => [...promqlMetricNames(expr).names].sort();

describe('promqlMetricNames', () => {
  it('finds selectors and skips functions, aggregations, keywords and label lists', () => {
    assert.deepEqual(names('sum by (le, subject) (rate(mail_bus_request_duration_seconds_bucket{job=~"smtp-in|delivery"}[5m]))'), ['mail_bus_request_duration_seconds_bucket']);
    assert.deepEqual(names('histogram_quantile(0.99, sum(rate(a_bucket[5m])) by (le))'), ['a_bucket']);
    assert.deepEqual(names('process_resident_memory_bytes / on (job, instance) group_left(version) process_memory_limit_bytes > 0.85'), ['process_memory_limit_bytes', 'process_resident_memory_bytes']);
    assert.deepEqual(names('up == 0 and bool on() vector(1) unless absent(x_total offset -5m)'), ['up', 'x_total']);
    assert.deepEqual(names('max(mail_queue_depth) > 500 and max(deriv(mail_queue_depth[30m])) > 0'), ['mail_queue_depth']);
  });

  it('ignores label values, strings, numbers, durations and Grafana variables', () => {
    assert.deepEqual(names('rate(foo_total{reason="too_large", job=~"$job", instance="${instance:regex}"}[$__rate_interval]) * 1e6 + 0x1f - 900e-3'), ['foo_total']);
    assert.deepEqual(names('sum(increase(bar_total[1h30m] offset 1d)) # comment mentions not_a_metric'), ['bar_total']);
    assert.deepEqual(names('label_replace(up, "dst", "$1", "src", "(.*)")'), ['up']);
    assert.deepEqual(names('rate(q_total[5m:1m] @ end())'), ['q_total']);
  });

  it('reads __name__ matchers and reports regex ones as unresolved', () => {
    const r = promqlMetricNames('{__name__="a_total", job="x"} + {__name__=~"b_.*"}');
    assert.deepEqual([...r.names], ['a_total']);
    assert.deepEqual(r.unresolved, ['__name__=~"b_.*"']);
  });

  it('never throws and only ever returns identifier-shaped names on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = promqlMetricNames(s);
        for (const name of r.names) assert.match(name, /^[A-Za-z_:][A-Za-z0-9_:]*$|^[^\n]*$/);
      }),
      { numRuns: 500 },
    );
    for (const nasty of ['{', '{__name__=', '"unterminated', 'rate(', '[5m', '$', '${', 'sum by (', '{a="\\"}']) assert.doesNotThrow(() => promqlMetricNames(nasty));
  });
});

describe('exposedMetricNames', () => {
  it('reads sample lines and expands histogram TYPE lines', () => {
    const text = [
      '# HELP a_seconds x', '# TYPE a_seconds histogram', 'a_seconds_bucket{le="1"} 0', 'a_seconds_count 0',
      '# TYPE b_total counter', 'b_total{x="y"} 3', 'target_info{service_name="s"} 1', '',
    ].join('\n');
    assert.deepEqual([...exposedMetricNames(text)].sort(), ['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b_total', 'target_info']);
  });
});
