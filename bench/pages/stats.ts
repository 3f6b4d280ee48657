export interface Summary {
  n: number;
  p50: number;
  p95: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95) };
}

/** Times `calls` sequential awaited calls after `warmup` untimed ones; milliseconds per call. */
export const WARMUP = 50;

export async function timeCalls(fn: () => Promise<unknown>, calls: number, warmup = WARMUP): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}
