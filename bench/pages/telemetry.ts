// Main-thread cost of telemetry record calls, amortized over many calls and including the periodic export
// (collect, encode, pack) every `exportEvery` records. The exporter discards bodies, so no network is timed.
// Also whether the export half (pipeline.ts) stays unfetched until the first record, as the size bench assumes.
import { createTelemetry, type Telemetry } from '../../src/telemetry/index.js';

const params = new URLSearchParams(location.search);
const records = Number(params.get('records') ?? 1_000_000);
const exportEvery = Number(params.get('exportEvery') ?? 100_000);

const models = Array.from({ length: 16 }, (_, i) => ({ id: `model-${i % 8}`, version: '1.0.0', backend: i < 8 ? ('wasm' as const) : ('webgpu' as const) }));

function make(options: Record<string, unknown>): Telemetry {
  return createTelemetry({ exporter: () => undefined, intervalMs: 86_400_000, ...options }, { store: null });
}

/** Nanoseconds per call of `record(i)`, exporting every `exportEvery` calls. */
async function time(telemetry: Telemetry, record: (i: number) => void): Promise<number> {
  for (let i = 0; i < 200_000; i++) record(i); // warm up the JIT
  await telemetry.flush();
  let total = 0;
  for (let done = 0; done < records; done += exportEvery) {
    const start = performance.now();
    for (let i = 0; i < exportEvery; i++) record(done + i);
    await telemetry.flush();
    total += performance.now() - start;
  }
  return (total * 1e6) / records;
}

/** Whether the page has fetched pipeline.ts (the dev server serves each module as its own file). */
const pipelineFetched = () => performance.getEntriesByType('resource').some((e) => e.name.includes('/src/telemetry/pipeline.ts'));

async function bench() {
  const pipelineBeforeRecord = pipelineFetched();
  const on = make({});
  const sampled = make({ sampleRate: 0.1 });
  const off = createTelemetry(undefined);
  const result = {
    records,
    exportEvery,
    pipelineBeforeRecord,
    inferenceNs: await time(on, (i) => on.recordInference(models[i & 15]!, (i % 17) * 0.3)),
    inferenceOneModelNs: await time(on, (i) => on.recordInference(models[0]!, (i % 17) * 0.3)),
    inferenceSampledNs: await time(sampled, (i) => sampled.recordInference(models[i & 15]!, (i % 17) * 0.3)),
    cacheNs: await time(on, (i) => on.recordCache(models[i & 15]!, (i & 3) !== 0)),
    offNs: await time(off, (i) => off.recordInference(models[i & 15]!, (i % 17) * 0.3)),
  };
  await Promise.all([on.dispose(), sampled.dispose()]);
  return { ...result, pipelineAfterExports: pipelineFetched() };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = bench();
