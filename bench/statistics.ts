export function percentile(sortedValues: number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.ceil(fraction * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)]!;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean };
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** Least-squares line through the points: its slope (y per x) and R². */
export function linearFit(xs: number[], ys: number[]): { slope: number; rSquared: number } {
  const count = Math.min(xs.length, ys.length);
  if (count < 2) return { slope: Number.NaN, rSquared: Number.NaN };
  const mean = (values: number[]) => values.slice(0, count).reduce((sum, value) => sum + value, 0) / count;
  const meanX = mean(xs);
  const meanY = mean(ys);
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let index = 0; index < count; index += 1) {
    const dx = (xs[index] ?? 0) - meanX;
    const dy = (ys[index] ?? 0) - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  const slope = covariance / varianceX;
  return { slope, rSquared: varianceY === 0 ? 1 : (covariance * covariance) / (varianceX * varianceY) };
}
