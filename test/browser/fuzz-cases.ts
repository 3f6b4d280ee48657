// Arbitraries for the browser fuzz: options objects, manifest mutations and ONNX byte mutations.
import fc from 'fast-check';

/** Values that break careless messages: String() and JSON.stringify() throw on some of them, postMessage on others. */
const awkward = fc.oneof(
  fc.bigInt(),
  fc.constant(Object.create(null) as object),
  fc.constant(Symbol('fuzz')),
  fc.constant({ toString: () => { throw new Error('toString'); } }),
);
/** Any value, including the awkward ones: null-prototype objects, BigInt, Maps, sparse arrays, typed arrays. */
export const junk = fc.oneof(
  { weight: 1, arbitrary: awkward },
  { weight: 3, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withSparseArray: true, withTypedArray: true, maxDepth: 2 }) },
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: junk });

export const cacheArb = maybe(fc.oneof(fc.constant(false), fc.record({ maxEntries: fc.integer({ min: -1, max: 50 }), maxBytes: fc.double(), ttlMs: fc.double() }, { requiredKeys: [] })));
export const batchingArb = maybe(fc.oneof(fc.constant(false), fc.record({ maxBatch: fc.integer({ min: -1, max: 200 }), maxDelayMs: fc.double({ min: -5, max: 2000 }) }, { requiredKeys: [] })));

/** Options for createRuntime; never a real endpoint, so nothing leaves the machine. */
export const runtimeOptionsArb = fc.record({
  backends: maybe(fc.array(fc.constantFrom('wasm', 'webgpu', 'webgl', 'cpu', ''), { maxLength: 3 })),
  numThreads: maybe(fc.integer({ min: -2, max: 70 })),
  wasmPaths: maybe(fc.constantFrom('ort/', '/ort/', 'ort', '', 'http://127.0.0.1:9/')),
  manifest: maybe(fc.constantFrom('', '/models/manifest.json', 'http://[::1')),
  storage: maybe(fc.record({ maxBytes: fc.double(), persist: fc.boolean(), chunkBytes: fc.integer({ min: 0, max: 1 << 20 }), dbName: fc.constantFrom('', 'fuzz') }, { requiredKeys: [] })),
  retries: maybe(fc.integer({ min: -1, max: 25 })),
  retryDelayMs: maybe(fc.double()),
  workerTimeoutMs: maybe(fc.oneof(fc.constant(false), fc.integer({ min: 0, max: 2 ** 32 }))),
  cache: cacheArb,
  batching: batchingArb,
  telemetry: maybe(fc.record({ exporter: fc.constant(() => undefined), serviceName: junk, sampleRate: fc.double(), intervalMs: fc.double() }, { requiredKeys: [] })),
  createWorker: maybe(fc.constantFrom(() => undefined, () => ({}), () => { throw new Error('createWorker'); })), // used at load only
}, { requiredKeys: [] });

/** Options for load(), mostly valid so that loads reach the worker; `signal` and `onProgress` are built per run. */
const loadOptionsOf = (field: <T>(valid: fc.Arbitrary<T>) => fc.Arbitrary<unknown>) => fc.record({
  manifest: field(fc.constant('/models/manifest.json')),
  version: field(fc.constantFrom('1.0.0', '9.9.9')),
  precision: field(fc.constantFrom('auto', 'fp32', 'int8')),
  backend: field(fc.constant('wasm')), // webgpu left out: SwiftShader is slow and computes differently
  signal: fc.constantFrom('none', 'none', 'none', 'live', 'aborted', 'junk'),
  onProgress: fc.constantFrom('none', 'none', 'noop', 'throws', 'junk'),
  cache: field(fc.boolean()),
  batching: field(fc.oneof(fc.constant(false), fc.record({ maxBatch: fc.integer({ min: 1, max: 64 }), maxDelayMs: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: [] }))),
  stateful: field(fc.boolean()),
}, { requiredKeys: ['signal', 'onProgress'] });
export const loadOptionsArb = fc.oneof(
  { weight: 3, arbitrary: loadOptionsOf((valid) => valid) },
  { weight: 1, arbitrary: loadOptionsOf((valid) => fc.oneof(valid, junk, fc.constantFrom('', 'webgl', 'fp16', -1))) },
) as fc.Arbitrary<{ signal: string; onProgress: string } & Record<string, unknown>>;

export function liveLoadOptions(o: { signal: string; onProgress: string } & Record<string, unknown>): Record<string, unknown> {
  const { signal, onProgress, ...rest } = o;
  const out: Record<string, unknown> = { ...rest };
  if (signal === 'aborted') out.signal = AbortSignal.abort();
  if (signal === 'live') out.signal = new AbortController().signal;
  if (signal === 'junk') out.signal = { aborted: false };
  if (onProgress === 'noop') out.onProgress = () => undefined;
  if (onProgress === 'throws') out.onProgress = () => { throw new Error('listener'); };
  if (onProgress === 'junk') out.onProgress = 'yes';
  return out;
}

// Manifest keys the runtime reads: edits aim there, not at descriptive fields such as metrics.
const READ_KEYS = new Set(['models', 'id', 'version', 'file', 'bytes', 'sha256', 'variants', 'precision', 'mode', 'backends', 'recommended']);
type Path = (string | number)[];

/** Paths to the root, `models`, the first model (digits) and the fields of it the runtime reads. */
export function fieldPaths(doc: unknown): Path[] {
  const out: Path[] = [];
  const walk = (value: unknown, path: Path) => {
    out.push(path);
    if (typeof value !== 'object' || value === null) return;
    Object.entries(value).forEach(([k, child]) => {
      if (Array.isArray(value) ? path.at(-1) !== 'models' || k === '0' : READ_KEYS.has(k)) walk(child, [...path, Array.isArray(value) ? Number(k) : k]);
    });
  };
  walk(doc, []);
  return out;
}

const valueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', 'x', 0, -1, 1, 1.5, 2 ** 52, 2 ** 53, [], {}, [null], [{}], 'http://[::1', '../x', 'wasm', 'int8', true, 'a'.repeat(64)),
);

export const jsonEditsArb = (paths: Path[]) =>
  fc.array(fc.record({ path: fc.constantFrom(...paths), op: fc.constantFrom('set', 'set', 'delete'), value: valueArb }), { minLength: 1, maxLength: 3 });

export function editJson(doc: unknown, edits: { path: Path; op: string; value: unknown }[]): unknown {
  const root: Record<string | number, unknown> = { doc: structuredClone(doc) };
  for (const { path, op, value } of edits) {
    let parent = root;
    let key: string | number = 'doc';
    for (const step of path) {
      const child = parent[key];
      if (typeof child !== 'object' || child === null) break; // an earlier edit replaced it
      parent = child as Record<string | number, unknown>;
      key = step;
    }
    if (op === 'delete') delete parent[key];
    else parent[key] = value;
  }
  return root.doc;
}

/** Byte edits: most land in the first few KiB, where the graph's structure is; the rest anywhere. */
export const byteEditsArb = fc.record({
  flips: fc.array(fc.record({ near: fc.boolean(), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80), fc.nat(255)), run: fc.integer({ min: 1, max: 8 }) }), { maxLength: 6 }),
  cut: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
});

export function editBytes(original: Uint8Array, edits: { flips: { near: boolean; at: number; value: number; run: number }[]; cut: number | undefined }): Uint8Array {
  const bytes = original.slice();
  for (const f of edits.flips) bytes.fill(f.value, f.at % (f.near ? 4096 : bytes.length), (f.at % (f.near ? 4096 : bytes.length)) + f.run); // a run of 0xff makes huge varints
  return edits.cut === undefined ? bytes : bytes.subarray(0, Math.floor(edits.cut * bytes.length));
}
