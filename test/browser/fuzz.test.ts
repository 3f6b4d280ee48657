// Fuzzing the public API in real Chromium: every call resolves correctly or rejects with a documented code, and
// afterwards the runtime still runs digits bit for bit as it did at the start.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import { createRuntime, EdgeInferError, type Model, type RunResult, type ValueInfo } from '../../src/index.js';
import { build, check, planArb, signatureArb } from '../unit/fuzz/feed-cases.js';
import { fuzzParams } from '../unit/fuzz/runs.js';
import { byteEditsArb, editBytes, editJson, fieldPaths, jsonEditsArb, junk, liveLoadOptions, loadOptionsArb, runtimeOptionsArb } from './fuzz-cases.js';
import { MODELS, seeded } from './helpers.js';
import { uniqueKey, type ManifestEntry } from './store-helpers.js';

const INPUT: ErrorCode[] = ['input-invalid', 'input-unknown', 'input-missing', 'input-dtype', 'input-shape'];
const LOAD: ErrorCode[] = ['options-invalid', 'aborted', 'model-fetch-failed', 'manifest-invalid', 'model-unknown', 'integrity-mismatch', 'model-invalid', 'backend-unavailable'];
const PIXELS = seeded(784, 7).map(Math.abs);

const key = uniqueKey('fuzz');
const runtime = createRuntime({ backends: ['wasm'], retries: 0, retryDelayMs: 1, storage: { dbName: `test-${key}` } });
let digits: Model;
let reference: RunResult;
let digitsBytes: Uint8Array;
afterAll(async () => {
  await runtime.storage.clear().catch(() => undefined);
  await runtime.dispose();
});

beforeAll(async () => {
  digitsBytes = new Uint8Array(await (await fetch(MODELS.digits)).arrayBuffer());
  digits = await runtime.load({ url: MODELS.digits, id: 'digits' });
  reference = await digits.run({ pixels: PIXELS.slice() }, { cache: false });
});

// A crash in one group should not fail the next: give each group a live digits model.
beforeEach(async () => {
  if (!(await digits.run({ pixels: PIXELS.slice() }, { cache: false }).then(() => true, () => false))) {
    digits = await runtime.load({ url: MODELS.digits, id: 'digits' });
  }
});

function sameBits(a: RunResult, b: RunResult): boolean {
  return ['probabilities', 'logits'].every((name) => {
    const x = a.outputs[name]!;
    const y = b.outputs[name]!;
    const p = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    const q = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
    return x.dims.join() === y.dims.join() && p.length === q.length && p.every((v, i) => v === q[i]);
  });
}

async function stillExact(): Promise<void> {
  const again = await digits.run({ pixels: PIXELS.slice() }, { cache: false });
  expect(sameBits(again, reference), 'digits still runs bit for bit').toBe(true);
}

/** The call's outcome, failing loudly when it neither resolves nor rejects in time (a hang is a defect too). */
async function settle<T>(call: () => Promise<T> | T, ms = 20_000): Promise<{ value: T } | { error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return { value: await Promise.race([Promise.resolve().then(call), hung]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('no answer within')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** A documented code, and one of those `allowed` for this kind of call. */
function expectCode(error: unknown, allowed: readonly ErrorCode[]): void {
  expect(error, `a ${show(error)} escaped`).toBeInstanceOf(EdgeInferError);
  const code = (error as EdgeInferError).code;
  expect(ERROR_CODES).toContain(code);
  expect(allowed, `unexpected code for this call: ${(error as Error).message}`).toContain(code);
}

function show(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

const params = fuzzParams(120);
const few = (n: number) => ({ ...params, numRuns: Math.max(1, Math.round((params.numRuns * n) / 120)) });
/** A test's time limit: `npm run fuzz` runs many more cases than the default 60 s allow. */
const budget = (msPerRun: number) => Math.max(60_000, params.numRuns * msPerRun);
const DIGITS: ValueInfo[] = [{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }];

test('(a) arbitrary feeds to digits: outputs that match a clean run, or an input-* code', { timeout: budget(50) }, async () => {
  await fc.assert(
    fc.asyncProperty(planArb(DIGITS), fc.boolean(), async (plan, transfer) => {
      const built = build(DIGITS, plan);
      const outcome = await settle(() => digits.run(built.feeds as never, { transfer }));
      if ('error' in outcome) expectCode(outcome.error, INPUT);
      else {
        const rows = outcome.value.outputs.probabilities!.dims[0]!;
        expect(outcome.value.outputs.probabilities!.dims).toEqual([rows, 10]);
        const pixels = built.expected.get('pixels');
        if (pixels) {
          const clean = await digits.run({ pixels: { data: new Float32Array(pixels.slice().buffer), dims: [rows, 784] } }, { cache: false });
          expect(sameBits(clean, outcome.value), 'the run saw the data that was validated').toBe(true);
        }
      }
      await stillExact();
    }),
    params,
  );
});

// Chromium has what Node 20 lacks: Float16Array, and SharedArrayBuffer on this cross-origin isolated page.
test('(a2) validateFeeds on arbitrary signatures and feeds, in Chromium', { timeout: budget(10) }, () => {
  const cases = signatureArb.chain((inputs) => fc.tuple(fc.constant(inputs), planArb(inputs)));
  fc.assert(fc.property(cases, ([inputs, plan]) => check(inputs, build(inputs, plan))), { ...params, numRuns: params.numRuns * 2 });
});

test('(b1) arbitrary options to createRuntime', { timeout: budget(20) }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(runtimeOptionsArb, junk), async (options) => {
      const outcome = await settle(() => createRuntime(options as never));
      if ('error' in outcome) return expectCode(outcome.error, ['options-invalid', 'telemetry-invalid']);
      await outcome.value.dispose();
    }),
    { ...params, numRuns: params.numRuns * 2 },
  );
  // A createWorker that returns no Worker (or throws) only shows at load: try each kind once.
  for (const createWorker of [() => undefined, () => ({}), () => { throw new Error('createWorker'); }]) {
    const broken = createRuntime({ backends: ['wasm'], createWorker: createWorker as never });
    const loaded = await settle(() => broken.load({ bytes: digitsBytes }));
    expect('error' in loaded, 'a broken createWorker cannot load').toBe(true);
    if ('error' in loaded) expectCode(loaded.error, ['options-invalid', 'worker-crashed']);
    await broken.dispose();
  }
});

test('(b2) arbitrary sources and options to load', { timeout: budget(150) }, async () => {
  const sources = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<unknown>('bytes', { url: MODELS.digits }, 'digits') },
    { weight: 2, arbitrary: fc.oneof(junk, junk.map((url) => ({ url })), junk.map((bytes) => ({ bytes })), fc.constant('detached')) },
    { weight: 1, arbitrary: fc.record({ url: fc.constant(MODELS.digits), id: junk, version: junk, sha256: junk, size: junk }, { requiredKeys: ['url'] }) },
  );
  await fc.assert(
    fc.asyncProperty(sources, loadOptionsArb, async (source, options) => {
      const outcome = await settle(() => runtime.load(liveSource(source) as never, liveLoadOptions(options) as never));
      if ('error' in outcome) expectCode(outcome.error, LOAD);
      else {
        expect(typeof outcome.value.id, 'model.id').toBe('string');
        const ran = await outcome.value.run({ pixels: PIXELS.slice() }, { cache: false });
        if (outcome.value.sha256 === digits.sha256) expect(sameBits(ran, reference)).toBe(true);
        else expect(ran.outputs.probabilities!.dims).toEqual([1, 10]); // an int8 variant from the manifest
        await outcome.value.dispose();
      }
      await stillExact();
    }),
    params,
  );
});

function liveSource(source: unknown): unknown {
  if (source === 'bytes') return { bytes: digitsBytes };
  if (source !== 'detached') return source;
  const bytes = digitsBytes.slice();
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] }); // as after a transfer elsewhere
  return { bytes };
}

test('(b3) arbitrary options to run', { timeout: budget(30) }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(junk, fc.record({ transfer: junk, cache: junk, timeoutMs: fc.oneof(junk, fc.integer()) }, { requiredKeys: [] })), async (options) => {
      const outcome = await settle(() => digits.run({ pixels: PIXELS.slice() }, options as never));
      if ('error' in outcome) expectCode(outcome.error, ['options-invalid', 'timeout']);
      else expect(sameBits(outcome.value, reference)).toBe(true);
    }),
    params,
  );
  await stillExact();
});

test('(c) arbitrary manifests: a model that loads and runs, or a documented load code', { timeout: budget(150) }, async () => {
  const real = (await (await fetch('/models/manifest.json')).json()) as { models: (ManifestEntry & { variants?: { file: string }[] })[] };
  // Absolute file paths, so an intact entry still finds its file next to the test server's manifest.
  for (const m of real.models) {
    m.file = `/models/${m.file}`;
    for (const v of m.variants ?? []) v.file = `/models/${v.file}`;
  }
  const ids = fc.oneof({ weight: 5, arbitrary: fc.constant('digits') }, { weight: 1, arbitrary: fc.constantFrom('forecast', 'nope', '') });
  const precision = fc.constantFrom(undefined, 'auto', 'fp32', 'int8');
  const docs = fc.oneof(
    { weight: 6, arbitrary: jsonEditsArb(fieldPaths(real)).map((edits) => editJson(real, edits)) },
    { weight: 1, arbitrary: fc.oneof(fc.jsonValue(), fc.string().map((text) => `{"models": ${text}`)) },
  );
  await fc.assert(
    fc.asyncProperty(docs, ids, precision, async (doc, id, p) => {
      const url = await publishRaw(uniqueKey('fuzz-manifest'), typeof doc === 'string' ? doc : JSON.stringify(doc));
      const outcome = await settle(() => runtime.load(id, { manifest: url, ...(p ? { precision: p } : {}) }));
      if ('error' in outcome) expectCode(outcome.error, LOAD);
      else {
        // Verified against the manifest's sha256, so it is one of the bundled models: it must run.
        const model = outcome.value;
        await model.run(Object.fromEntries(model.inputs.map((v) => [v.name, zeros(v)])), { cache: false });
        await model.dispose();
      }
      await stillExact();
    }),
    few(40),
  );
});

test('(d) mutated and truncated ONNX bytes: model-invalid, backend-unavailable, or a model that runs or fails to run', { timeout: budget(200) }, async () => {
  await fc.assert(
    fc.asyncProperty(byteEditsArb, async (edits) => {
      const outcome = await settle(() => runtime.load({ bytes: editBytes(digitsBytes, edits) }));
      if ('error' in outcome) expectCode(outcome.error, ['model-invalid', 'backend-unavailable']);
      else {
        const model = outcome.value;
        const feeds = Object.fromEntries(model.inputs.map((v) => [v.name, zeros(v)]));
        const ran = await settle(() => model.run(feeds, { cache: false })); // a mutated dim may make zeros(v) too big: input-shape
        if ('error' in ran) expectCode(ran.error, [...INPUT, 'inference-failed']);
        await model.dispose();
      }
      await stillExact();
    }),
    few(40),
  );
});

/** Serves `body` (JSON or not) as a manifest on the test server. */
async function publishRaw(name: string, body: string): Promise<string> {
  await fetch(`/__test/manifest/${name}`, { method: 'PUT', body });
  return `/__test/manifest/${name}/manifest.json`;
}

/** A zero tensor for any input: free dims are 1, an undeclared shape is [1]; never more than 2^20 values. */
function zeros(v: ValueInfo) {
  const dims = v.dims ? v.dims.map((d) => (typeof d === 'number' ? d : 1)) : [1];
  const n = Math.min(dims.reduce((a, d) => a * d, 1), 2 ** 20);
  const Class = { int64: BigInt64Array, uint64: BigUint64Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, float32: Float32Array }[v.dtype];
  return { data: new Class(n), dims };
}
