// Timing helpers for the benchmarks: sequential async operations, warm-up first, then a timed window.

export interface Measurement {
  /** Mean microseconds per operation. */
  meanUs: number;
  /** Operations per second. */
  perSec: number;
  iterations: number;
}

/**
 * Runs `op` sequentially: `warmup` times untimed, then repeatedly for at least `minMs` milliseconds
 * (and at least `minIterations` times). Returns the mean.
 */
export async function measure(
  op: () => Promise<unknown>,
  { warmup = 20, minMs = 1500, minIterations = 30 }: { warmup?: number; minMs?: number; minIterations?: number } = {},
): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await op();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (iterations < minIterations || elapsedNs < BigInt(minMs) * 1_000_000n) {
    await op();
    iterations++;
    elapsedNs = process.hrtime.bigint() - start;
  }
  const meanUs = Number(elapsedNs) / 1000 / iterations;
  return { meanUs, perSec: 1e6 / meanUs, iterations };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
