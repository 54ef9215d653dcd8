// Small statistics and number formatting for benchmark figures.

/** The p-th percentile (0..100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Summary of a sample of durations. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summarises a sample (same unit in, same unit out). */
export function summarize(values: number[]): Summary {
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  return {
    n: values.length,
    min: percentile(values, 0),
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    mean,
  };
}

/** A count with thousands separators: 15,234. */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds with sensible precision: 0.42 ms, 12.3 ms, 420 ms. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (n < 10) return `${n.toFixed(2)} ms`;
  if (n < 100) return `${n.toFixed(1)} ms`;
  return `${Math.round(n)} ms`;
}
