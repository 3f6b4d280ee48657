/**
 * fast-check parameters: a fixed seed and a small count so `npm test` stays fast; `npm run fuzz` raises the count
 * with FUZZ_RUNS. Node sees it in process.env; the browser only through import.meta.env (a `test.env` entry in
 * vitest.config.ts, or VITE_FUZZ_RUNS, which Vite exposes on its own).
 */
export function fuzzParams(defaultRuns: number): { seed: number; numRuns: number } {
  const env = (import.meta as { env?: Record<string, string | undefined> }).env ?? {};
  const runs = Number(env.FUZZ_RUNS || env.VITE_FUZZ_RUNS || globalThis.process?.env?.FUZZ_RUNS);
  const seed = Number(env.FUZZ_SEED || env.VITE_FUZZ_SEED || globalThis.process?.env?.FUZZ_SEED);
  return { seed: Number.isSafeInteger(seed) ? seed : 20_261_101, numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns };
}
