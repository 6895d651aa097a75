import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, MetricsRegistry } from '../../src/observability/metrics-registry.ts';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';

describe('the metrics registry', () => {
  it('renders counters, a gauge and histograms that a strict parser reads back', () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter('things_total', 'Things', ['kind']));
    const gauge = registry.register(new Gauge('open_things', 'Open'));
    const histogram = registry.register(new Histogram('thing_seconds', 'Time', ['kind'], [0.1, 1, 10]));
    counter.inc({ kind: 'a' });
    counter.inc({ kind: 'a' }, 2);
    counter.inc({ kind: 'b' });
    gauge.inc();
    gauge.inc();
    gauge.dec();
    for (const value of [0.05, 0.5, 5, 50]) histogram.observe({ kind: 'a' }, value);
    const parsed = parsePrometheusText(registry.render());
    expect(parsed.value('things_total', { kind: 'a' })).toBe(3);
    expect(parsed.value('things_total', { kind: 'b' })).toBe(1);
    expect(parsed.value('open_things')).toBe(1);
    expect(['0.1', '1', '10', '+Inf'].map((le) => parsed.value('thing_seconds_bucket', { kind: 'a', le }))).toEqual([1, 2, 3, 4]);
    expect(parsed.value('thing_seconds_sum', { kind: 'a' })).toBeCloseTo(55.55);
    expect(parsed.value('thing_seconds_count', { kind: 'a' })).toBe(4);
  });

  it('escapes label values (quotes, backslashes, newlines) so the exposition stays parseable', () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter('odd_total', 'Odd\nhelp', ['model']));
    counter.inc({ model: 'a"b\\c\nd' });
    const text = registry.render();
    expect(text).toContain('odd_total{model="a\\"b\\\\c\\nd"} 1');
    expect(parsePrometheusText(text).value('odd_total', { model: 'a"b\\c\nd' })).toBe(1);
  });

  it('refuses labels a metric was not declared with, and ignores negative or non-finite amounts', () => {
    const counter = new Counter('x_total', 'X', ['a']);
    expect(() => counter.inc({ b: '1' })).toThrow(/takes the labels a/);
    counter.inc({ a: '1' }, -5);
    const histogram = new Histogram('h', 'H', [], [1]);
    histogram.observe({}, Number.NaN);
    expect(counter.render()).toEqual(['# HELP x_total X', '# TYPE x_total counter']);
    expect(histogram.render()).toEqual(['# HELP h H', '# TYPE h histogram']);
  });

  it('refuses a metric registered twice', () => {
    const registry = new MetricsRegistry();
    registry.register(new Gauge('g', 'G'));
    expect(() => registry.register(new Gauge('g', 'G'))).toThrow(/twice/);
  });
});
