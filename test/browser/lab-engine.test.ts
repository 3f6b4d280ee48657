// The lab's matrix runner in real Chromium: the bundled digits model (fp32 and int8, by URL) and a model dropped as
// bytes, on WASM with one thread; cold and warm loads, agreement with the fp32 reference, quality, and a stop.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createRuntime, type Tensor } from '../../src/index.js';
import { runLab } from '../../demo/lab/engine.js';
import { LAB_DB } from '../../demo/lab/device.js';
import { bundledSource, readManifest } from '../../demo/lab/sources.js';
import type { LabConfig, LabModelSource, LabRow } from '../../demo/lab/types.js';
import { digitsTestSet, json } from './data.js';

interface ManifestFile { file: string; bytes: number; sha256: string }
const manifest = await json<{ models: (ManifestFile & { id: string; variants: (ManifestFile & { mode: string })[] })[] }>('/models/manifest.json');
const entry = manifest.models.find((m) => m.id === 'digits')!;
const dynamic = entry.variants.find((v) => v.mode === 'dynamic')!;
const fileOf = (f: ManifestFile) => ({ url: `/models/${f.file}`, sha256: f.sha256, bytes: f.bytes });

const { pixels } = await digitsTestSet();
const SAMPLES = 40;
const digits: LabModelSource = {
  id: 'digits',
  bundled: true,
  variants: [{ variant: 'fp32', ...fileOf(entry) }, { variant: 'int8-dynamic', ...fileOf(dynamic) }],
  samples: { pixels: { dtype: 'float32', dims: [SAMPLES, 784], data: pixels.slice(0, SAMPLES * 784) } satisfies Tensor },
};
const tinyBytes = new Uint8Array(await (await fetch('/models/tiny/model.onnx')).arrayBuffer());
const dropped: LabModelSource = { id: 'tiny.onnx', bundled: false, variants: [{ variant: 'fp32', bytes: tinyBytes.byteLength, data: tinyBytes }] };

const CONFIG: LabConfig = {
  models: ['digits'], backends: ['wasm-1', 'webnn'], variants: ['fp32', 'int8-dynamic'], batches: [1, 16],
  minRuns: 3, maxRuns: 12, budgetMs: 150, quality: true,
};

// Every worker the runtimes start, and which of them were ended.
const created: Worker[] = [];
const terminated = new Set<Worker>();
const NativeWorker = globalThis.Worker;
beforeAll(() => {
  globalThis.Worker = class extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      created.push(this);
    }
    override terminate(): void {
      terminated.add(this);
      super.terminate();
    }
  };
});
afterAll(() => {
  globalThis.Worker = NativeWorker;
});

const measured = (r: LabRow) => !r.error && r.p50Ms !== null && r.p95Ms !== null && r.firstMs !== null && r.perSecond !== null && r.runs >= 1;

test('digits fp32 and int8 by URL and a dropped model: every cell measured, cold and warm loads, agreement with fp32 on wasm-1', async () => {
  const live: [string, LabRow][] = [];
  const phases = new Set<string>();
  let last = { done: 0, total: 0 };
  const report = await runLab({
    config: CONFIG, sources: [digits, dropped],
    onRow: (model, row) => live.push([model, row]),
    onProgress: (p) => {
      phases.add(p.phase);
      expect(p.done).toBeLessThanOrEqual(p.total);
      last = p;
    },
  });
  expect(report.schema).toBe('edge-infer-lab/1');
  expect(report.stopped).toBe(false);
  expect(report.device.userAgent).toBe(navigator.userAgent);
  expect(report.device.wasmThreads).toBeGreaterThanOrEqual(1);
  expect(report.models.map((m) => m.model)).toEqual(['digits', 'tiny.onnx']);
  expect([...phases].sort()).toEqual(['load', 'quality', 'runs']);
  expect(last.done).toBeGreaterThan(0);
  expect(last.done).toBe(last.total); // the total shrank by nothing here; every counted cell was done

  const [d, t] = report.models as [typeof report.models[0], typeof report.models[0]];
  expect(d.inputs).toEqual([{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }]);
  const wasm = d.rows.filter((r) => r.backend === 'wasm');
  expect(wasm.map((r) => `${r.variant}/${r.threads}/${r.batch}`)).toEqual(['fp32/1/1', 'fp32/1/16', 'int8-dynamic/1/1', 'int8-dynamic/1/16']);
  for (const row of wasm) {
    expect(measured(row), JSON.stringify(row.error)).toBe(true);
    expect(row.runs).toBeLessThanOrEqual(CONFIG.maxRuns);
    expect(row.timings).toHaveLength(row.runs);
    expect(row.p95Ms!).toBeGreaterThanOrEqual(row.p50Ms!);
    expect(row.perSecond).toBeCloseTo(row.batch / (row.p50Ms! / 1000), 6);
    expect(row.loadMs.cold).toBeGreaterThan(0);
    expect(row.loadMs.warm).toBeGreaterThan(0); // set only when the second load came from IndexedDB
    expect(row.quality).toMatchObject({ kind: 'accuracy', samples: 2000 });
    expect((row.quality as { accuracy: number }).accuracy).toBeGreaterThan(0.95);
  }
  expect(wasm.find((r) => r.variant === 'fp32')!.bytes).toBe(entry.bytes);
  for (const row of wasm.filter((r) => r.variant === 'fp32')) expect(row.agreement).toEqual({ maxAbsDiff: 0, cosine: 1, top1: 1 });
  for (const row of wasm.filter((r) => r.variant === 'int8-dynamic')) {
    expect(row.agreement!.top1).toBeGreaterThanOrEqual(0.95);
    expect(row.agreement!.maxAbsDiff).toBeGreaterThan(0); // really another model's outputs
    expect(row.agreement!.cosine).toBeGreaterThan(0.99);
  }
  expect(Object.keys(d.detail ?? {}).sort()).toEqual(['fp32/wasm-1', 'int8-dynamic/wasm-1']);
  expect(d.recommendation.pick).toBeDefined();

  // WebNN: rows with an error and no numbers where the browser has no navigator.ml.
  const webnn = d.rows.filter((r) => r.backend === 'webnn');
  if (!report.device.webnn) {
    expect(webnn).toHaveLength(4);
    for (const row of webnn) {
      expect(row.error?.code).toBe('backend-unavailable');
      expect([row.p50Ms, row.firstMs, row.loadMs.cold, row.agreement]).toEqual([null, null, null, null]);
    }
  }

  // The dropped model: from a blob: URL with its SHA-256, so it too has cold and warm loads; inputs made up.
  expect(t.bundled).toBe(false);
  const tiny = t.rows.filter((r) => r.backend === 'wasm');
  expect(tiny.map((r) => r.batch)).toEqual([1, 16]);
  for (const row of tiny) {
    expect(measured(row), JSON.stringify(row.error)).toBe(true);
    expect(row.loadMs.cold).toBeGreaterThan(0);
    expect(row.loadMs.warm).toBeGreaterThan(0);
    expect(row.agreement).toEqual({ maxAbsDiff: 0, cosine: 1 }); // no classifier: no top-1
    expect(row.quality).toBeUndefined();
  }
  expect(t.detail).toBeUndefined();

  // Every row reached onRow, the reference first; and every runtime's worker was ended.
  expect(live).toHaveLength(d.rows.length + t.rows.length);
  for (const row of [...d.rows, ...t.rows]) expect(live.some(([, r]) => r === row)).toBe(true);
  expect(live[0]![1]).toMatchObject({ variant: 'fp32', backend: 'wasm', batch: 1 });
  expect(created.length).toBeGreaterThan(0);
  expect(created.filter((w) => !terminated.has(w))).toEqual([]);

  // Bundled files stay cached in the lab's database; the user's dropped file does not.
  const check = createRuntime({ backends: ['wasm'], storage: { dbName: LAB_DB } });
  const ids = (await check.storage.list()).map((m) => m.id);
  await check.dispose();
  expect(ids).toEqual(expect.arrayContaining(['digits@fp32', 'digits@int8-dynamic']));
  expect(ids).not.toContain('tiny.onnx@fp32');
});

test('the VAD (its state sized by the batch) runs at batch 1 only, with fixed inputs; frame agreement against fp32 on wasm-1', async () => {
  const vad = await bundledSource((await readManifest()).find((m) => m.id === 'vad')!);
  let last = { done: -1, total: -1 };
  const report = await runLab({
    config: { ...CONFIG, backends: ['wasm-1'], variants: ['fp32', 'int8-dynamic'] }, sources: [{ ...vad, variants: vad.variants.filter((v) => v.variant !== 'int8-weights') }],
    onProgress: (p) => (last = p),
  });
  const m = report.models[0]!;
  expect(m.rows.map((r) => `${r.variant}/${r.batch}`)).toEqual(['fp32/1', 'int8-dynamic/1']);
  expect(m.rows.every(measured)).toBe(true);
  expect(last.done).toBe(last.total); // the batch-16 cells left the total
  expect(m.rows[0]!.quality).toMatchObject({ kind: 'frames', agreement: 1 });
  const int8 = m.rows[1]!.quality as { kind: string; agreement: number; frames: number };
  expect(int8.kind).toBe('frames');
  expect(int8.agreement).toBeGreaterThan(0.9);
  expect(Object.keys(m.detail ?? {}).sort()).toEqual(['fp32/wasm-1', 'int8-dynamic/wasm-1']);
});

test('without fp32 among the variants, fp32 still runs as the reference but gives no rows', async () => {
  const report = await runLab({ config: { ...CONFIG, backends: ['wasm-1'], variants: ['int8-dynamic'], batches: [16], quality: false }, sources: [digits] });
  const rows = report.models[0]!.rows;
  expect(rows.map((r) => `${r.variant}/${r.batch}`)).toEqual(['int8-dynamic/16']);
  expect(rows[0]!.agreement!.top1).toBeGreaterThanOrEqual(0.95);
  expect(rows[0]!.agreement!.maxAbsDiff).toBeGreaterThan(0);
});

test('a stop mid-run: the cell in progress ends, nothing more is measured, every runtime is disposed', async () => {
  const controller = new AbortController();
  const live: LabRow[] = [];
  const before = created.length;
  const report = await runLab({
    config: { ...CONFIG, backends: ['wasm-1'], quality: false }, sources: [digits, dropped], signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'runs' && p.cell === 'wasm-1 · batch 16') controller.abort();
    },
    onRow: (_, row) => live.push(row),
  });
  expect(report.stopped).toBe(true);
  expect(report.models.map((m) => m.model)).toEqual(['digits']);
  // The batch-16 cell in progress (both variants, timed in alternation) ended its rounds early with what it had;
  // the dropped model never started.
  const rows = report.models[0]!.rows;
  expect(rows.map((r) => `${r.variant}/${r.batch}`)).toEqual(['fp32/1', 'fp32/16', 'int8-dynamic/1', 'int8-dynamic/16']);
  expect(rows.every(measured)).toBe(true);
  for (const r of rows.filter((r) => r.batch === 16)) expect(r.runs).toBeLessThan(CONFIG.minRuns);
  expect(live).toHaveLength(4);
  await new Promise((r) => setTimeout(r, 300));
  expect(live).toHaveLength(4);
  const mine = created.slice(before);
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.filter((w) => !terminated.has(w))).toEqual([]);
});
