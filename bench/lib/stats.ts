/** Throughput and latency percentiles from every measured operation (no sampling, no histogram rounding). */

/** What one measurement (or one round of it) observed: each operation's latency, and the wall-clock time. */
export interface Series {
  latenciesMs: number[];
  /** from the first operation started to the last one finished */
  elapsedMs: number;
}

export interface Summary {
  /** operations completed */
  count: number;
  elapsedMs: number;
  /** operations per second over elapsedMs */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** One summary of several rounds: all their operations over all their time. */
export function summarize(rounds: Series[]): Summary {
  const sorted = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const elapsedMs = rounds.reduce((s, r) => s + r.elapsedMs, 0);
  return {
    count: sorted.length,
    elapsedMs,
    perSecond: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
  };
}

export const perSecond = (s: Series): number => (s.elapsedMs > 0 ? (s.latenciesMs.length * 1000) / s.elapsedMs : 0);

/**
 * Run `op` once per item with at most `concurrency` in flight (like `concurrency`
 * HTTP connections each waiting for its answer), timing each call.
 */
export async function timedPool<T>(items: T[], concurrency: number, op: (item: T) => Promise<void>): Promise<Series> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const t0 = performance.now();
      await op(items[i]!);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return { latenciesMs, elapsedMs: performance.now() - started };
}

/** Run `op` over items with bounded concurrency, untimed (preparation). */
export async function pool<T, R>(items: T[], concurrency: number, op: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await op(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

/** Split items into `n` nearly equal consecutive parts. */
export function split<T>(items: T[], n: number): T[][] {
  return Array.from({ length: n }, (_, r) => items.slice(Math.floor((r * items.length) / n), Math.floor(((r + 1) * items.length) / n)));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
