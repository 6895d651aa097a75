/**
 * A small Prometheus registry on plain JavaScript (no `prom-client`: it is Node-only), rendering the text
 * exposition format 0.0.4: counters, gauges and histograms, each with fixed label names. Label values
 * are escaped as the format requires; series are kept per label set, so callers keep label values
 * bounded (route patterns, model names — never ids or secrets).
 */

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

const escapeLabel = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
const escapeHelp = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
}

/** A number as the format writes it: `+Inf`, `-Inf`, `NaN`, or JavaScript's shortest form. */
const renderNumber = (value: number) =>
  Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);

abstract class Metric {
  readonly name: string;
  readonly help: string;
  protected readonly labelNames: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** The series key of a label set, in the metric's label order; unknown or missing labels are refused. */
  protected key(labels: Labels): string {
    const names = Object.keys(labels);
    if (names.length !== this.labelNames.length || names.some((name) => !this.labelNames.includes(name)))
      throw new Error(`${this.name} takes the labels ${this.labelNames.join(', ')}`);
    return this.labelNames.map((name) => labels[name] ?? '').join('\u0000');
  }

  protected ordered(labels: Labels): Labels {
    return Object.fromEntries(this.labelNames.map((name) => [name, labels[name] ?? '']));
  }

  abstract render(): string[];
}

export class Counter extends Metric {
  private readonly series = new Map<string, Series>();

  inc(labels: Labels = {}, amount = 1): void {
    if (!(amount >= 0)) return;
    const key = this.key(labels);
    const series = this.series.get(key);
    if (series) series.value += amount;
    else this.series.set(key, { labels: this.ordered(labels), value: amount });
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} counter`,
      ...[...this.series.values()].map((series) => `${this.name}${renderLabels(series.labels)} ${renderNumber(series.value)}`),
    ];
  }
}

export class Gauge extends Metric {
  private value = 0;

  constructor(name: string, help: string) {
    super(name, help, []);
  }

  inc(amount = 1): void {
    this.value += amount;
  }

  dec(amount = 1): void {
    this.value -= amount;
  }

  get current(): number {
    return this.value;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${renderNumber(this.value)}`,
    ];
  }
}

/** A gauge per label set, set to a value (a state per model). */
export class LabeledGauge extends Metric {
  private readonly series = new Map<string, Series>();

  set(labels: Labels, value: number): void {
    const key = this.key(labels);
    const series = this.series.get(key);
    if (series) series.value = value;
    else this.series.set(key, { labels: this.ordered(labels), value });
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} gauge`,
      ...[...this.series.values()].map((series) => `${this.name}${renderLabels(series.labels)} ${renderNumber(series.value)}`),
    ];
  }
}

export class Histogram extends Metric {
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    super(name, help, labelNames);
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const key = this.key(labels);
    let series = this.series.get(key);
    if (!series) {
      series = { labels: this.ordered(labels), buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    for (const [index, bound] of this.bounds.entries())
      if (value <= bound) series.buckets[index] = (series.buckets[index] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const series of this.series.values()) {
      for (const [index, bound] of this.bounds.entries())
        lines.push(
          `${this.name}_bucket${renderLabels(series.labels, ['le', renderNumber(bound)])} ${String(series.buckets[index] ?? 0)}`,
        );
      lines.push(`${this.name}_bucket${renderLabels(series.labels, ['le', '+Inf'])} ${String(series.count)}`);
      lines.push(`${this.name}_sum${renderLabels(series.labels)} ${renderNumber(series.sum)}`);
      lines.push(`${this.name}_count${renderLabels(series.labels)} ${String(series.count)}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    if (this.metrics.some((existing) => existing.name === metric.name)) throw new Error(`${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** The text exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`). */
  render(): string {
    return `${this.metrics.flatMap((metric) => metric.render()).join('\n')}\n`;
  }
}

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';
