// fp32 vs int8 variants on one backend per page load, through the SDK or (engine=raw) onnxruntime-web on the page:
// ?backend=wasm|webgpu&threads=1&engine=sdk|raw&models=digits,forecast,vad&quality=1&budget=1500 (ms per model, batch)
// &variants=fp32,int8-dynamic,int8-weights&extra=int8-weights-run,int8-nbits&extraModels=digits,large: the extra forms
// only for the extra models (int8-forms.ts makes forms that have no bundled file).
import * as ort from 'onnxruntime-web/webgpu';
import { createRuntime } from '../../src/index.js';
import { BENCH_MODELS, type Feeds, type Run } from './int8-data.js';
import { formBytes, formUrl, isForm } from './int8-forms.js';

const params = new URLSearchParams(location.search);
const backend = params.get('backend') === 'webgpu' ? 'webgpu' : 'wasm';
const threads = Number(params.get('threads') ?? 1);
const models = (params.get('models') ?? 'digits,forecast,vad').split(',');
const variants = (params.get('variants') ?? 'fp32,int8-dynamic,int8-weights').split(',');
const extra = (params.get('extra') ?? '').split(',').filter(Boolean);
const extraModels = (params.get('extraModels') ?? '').split(',').filter(Boolean);
const variantsOf = (model: string) => (extraModels.includes(model) ? [...variants, ...extra] : variants);
const withQuality = params.get('quality') === '1';
const budgetMs = Number(params.get('budget') ?? 1500);
const raw = params.get('engine') === 'raw';
const wasmPaths = new URL('/ort/', location.href).href;

interface Loaded {
  run: Run;
  backend: string;
  bytes: number;
  dispose(): Promise<void>;
}

/** A model file by URL (as the SDK fetches it), or bytes made on the page. */
type Source = { url: string } | { bytes: Uint8Array; id: string };

interface Engine {
  load(source: Source): Promise<Loaded>;
  env(): Promise<unknown>;
  dispose(): Promise<void>;
}

function sdkEngine(): Engine {
  const runtime = createRuntime({ backends: [backend], numThreads: threads, wasmPaths });
  return {
    env: () => runtime.env(),
    dispose: () => runtime.dispose(),
    async load(source) {
      const model = await runtime.load('url' in source ? { url: source.url, id: source.url } : source, { cache: false, batching: false });
      return {
        run: async (feeds) => (await model.run(feeds)).outputs as Awaited<ReturnType<Run>>,
        backend: model.backend,
        bytes: model.bytes,
        dispose: () => model.dispose(),
      };
    },
  };
}

/** onnxruntime-web called on the page: the same work without the SDK's worker round trip. */
function rawEngine(): Engine {
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  return {
    env: async () => ({ crossOriginIsolated: globalThis.crossOriginIsolated, numThreads: threads, engine: 'onnxruntime-web on the page' }),
    dispose: async () => undefined,
    async load(source) {
      const bytes = 'url' in source ? new Uint8Array(await (await fetch(source.url)).arrayBuffer()) : source.bytes;
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
      return {
        async run(feeds) {
          const tensors = Object.fromEntries(Object.entries(feeds).map(([k, t]) =>
            [k, new ort.Tensor(t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data, t.dims)]));
          return (await session.run(tensors)) as unknown as Awaited<ReturnType<Run>>;
        },
        backend,
        bytes: bytes.length,
        dispose: () => session.release(),
      };
    },
  };
}

export interface Cell {
  model: string;
  variant: string;
  batch: number;
  backend: string;
  bytes: number;
  loadMs: number;
  /** Median over rounds of the mean milliseconds per model.run call in that round. */
  ms: number;
  /** Median over rounds of this variant's time divided by fp32's in the same round. */
  ratio: number;
  calls: number;
  quality?: number;
  metric: string;
}

const ROUNDS = 12;
const WARMUP_MS = 150;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Mean ms per call over `calls` sequential calls. */
async function chunk(call: () => Promise<unknown>, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await call();
  return (performance.now() - start) / calls;
}

/**
 * Times the variants in alternating rounds (fp32, int8-dynamic, int8-weights, fp32, ...), so load from other
 * processes hits all of them alike; each round runs about budget / ROUNDS / variants milliseconds per variant.
 */
async function timeAlternating(calls: (() => Promise<unknown>)[]): Promise<{ ms: number[]; ratio: number[]; calls: number }> {
  const counts: number[] = [];
  for (const call of calls) {
    let n = 0;
    const end = performance.now() + WARMUP_MS;
    const start = performance.now();
    while (n < 3 || performance.now() < end) {
      await call();
      n++;
    }
    const perCall = (performance.now() - start) / n;
    counts.push(Math.max(2, Math.round(budgetMs / ROUNDS / calls.length / perCall)));
  }
  const rounds: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const row: number[] = [];
    for (let v = 0; v < calls.length; v++) row.push(await chunk(calls[v]!, counts[v]!));
    rounds.push(row);
  }
  return {
    ms: calls.map((_, v) => median(rounds.map((row) => row[v]!))),
    ratio: calls.map((_, v) => median(rounds.map((row) => row[v]! / row[0]!))),
    calls: counts.reduce((a, b) => a + b, 0) * ROUNDS,
  };
}

async function bench(): Promise<{ env: unknown; cells: Cell[] }> {
  const engine = raw ? rawEngine() : sdkEngine();
  const env = await engine.env();
  // The first session pays for onnxruntime-web's start-up; keep that out of the models' load times.
  await (await engine.load({ url: '/models/tiny/model.onnx' })).dispose();
  const cells: Cell[] = [];
  for (const id of models) {
    const data = await BENCH_MODELS[id]!();
    const loaded: (Loaded & { variant: string; loadMs: number })[] = [];
    for (const variant of variantsOf(id)) {
      if (!isForm(variant)) throw new Error(`unknown variant "${variant}"`);
      // Load time counts from load(): fetching a shipped file included, making a form on the page not.
      const url = formUrl(id, variant);
      const source: Source = url ? { url } : { bytes: await formBytes(id, variant), id: `${id}.${variant}` };
      const start = performance.now();
      const model = await engine.load(source);
      loaded.push({ ...model, variant, loadMs: performance.now() - start });
    }
    for (const batch of data.batches) {
      const feeds = data.feeds(batch);
      const timing = await timeAlternating(loaded.map((l) => () => l.run(feeds)));
      for (const [v, l] of loaded.entries()) {
        const quality = withQuality ? await data.quality(l.run, batch) : undefined;
        cells.push({
          model: id, variant: l.variant, batch, backend: l.backend, bytes: l.bytes, loadMs: l.loadMs,
          ms: timing.ms[v]!, ratio: timing.ratio[v]!, calls: timing.calls, quality, metric: data.metric,
        });
      }
    }
    for (const l of loaded) await l.dispose();
  }
  await engine.dispose();
  return { env, cells };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = bench().catch((error) => ({ error: String(error?.stack ?? error) }));
