/**
 * A strict reader of Prometheus' text exposition format 0.0.4, for tests: every line must be a HELP,
 * a TYPE or a sample of a declared metric; label names and values must be well formed; a series may not
 * repeat; a histogram's buckets must rise with `le`, end with `+Inf` and match its `_count`. Throws on
 * the first violation.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of one series, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [whole, name = '', raw = ''] = match;
    if (!labelName.test(name) || name in labels) throw new Error(`bad or repeated label ${name}: ${line}`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_all, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    rest = rest.slice(whole.length);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return Number.NaN;
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value: ${line}`);
  return Number(text);
}

const familyOf = (name: string, types: Map<string, string>) => {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  if (types.get(base) === 'histogram') return base;
  throw new Error(`sample of an undeclared metric: ${name}`);
};

export function parsePrometheusText(text: string): ParsedMetrics {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      if (!metricName.test(line.slice(7).split(' ')[0] ?? '')) throw new Error(`bad HELP: ${line}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = ''] = line.slice(7).split(' ');
      if (!metricName.test(name) || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type) || types.has(name))
        throw new Error(`bad TYPE: ${line}`);
      types.set(name, type);
      continue;
    }
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name = '', , labelText = '', valueText = ''] = match;
    familyOf(name, types);
    const labels = parseLabels(labelText, line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`repeated series: ${line}`);
    seen.add(key);
    samples.push({ name, labels, value: parseValue(valueText, line) });
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    for (const sample of samples.filter((entry) => entry.name === `${name}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of groups) {
      const bounds = buckets.map((bucket) => parseValue(bucket.labels['le'] ?? '', name));
      if (bounds.at(-1) !== Infinity) throw new Error(`${name} has no +Inf bucket`);
      for (let index = 1; index < buckets.length; index += 1) {
        if (!((bounds[index] ?? 0) > (bounds[index - 1] ?? 0)) || (buckets[index]?.value ?? 0) < (buckets[index - 1]?.value ?? 0))
          throw new Error(`${name} buckets do not rise`);
      }
      const count = samples.find(
        (sample) => sample.name === `${name}_count` && JSON.stringify(Object.entries(sample.labels).sort()) === key,
      );
      if (count?.value !== buckets.at(-1)?.value) throw new Error(`${name}_count differs from its +Inf bucket`);
    }
  }
  return {
    types,
    samples,
    value(name, labels = {}) {
      return samples.find(
        (sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
      )?.value;
    },
  };
}
