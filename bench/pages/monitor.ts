// Monitoring cost, one mode per page load (?mode=off|on|outcomes|tap&calls=1000&tapRows=20000): digits, WASM, one
// held-out row per model.run(). The profile is the bundled one (/models/digits/profile.json) when present, else one
// built here from held-out rows 0-999; either way the timed rows are 1000-1999.
import { createRuntime, type Model } from '../../src/index.js';
import { buildProfile, parseProfile } from '../../src/monitor/profile.js';
import type { Profile } from '../../src/monitor/profile-types.js';
import { MonitorTap } from '../../src/worker/monitor-tap.js';
import type { Tensor } from '../../src/tensor.js';
import { WARMUP } from './stats.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const calls = Number(params.get('calls') ?? 1000);
const tapRows = Number(params.get('tapRows') ?? 20000);
const wasmPaths = new URL('/ort/', location.href).href;
const URL_ = '/models/digits/model.onnx';

async function heldOut(): Promise<{ pixels: Float32Array; labels: Uint8Array }> {
  const raw = new Uint8Array(await (await fetch('/models/digits/test-set.bin')).arrayBuffer());
  const n = raw.length / 785;
  return { pixels: Float32Array.from(raw.subarray(0, n * 784), (b) => b / 255), labels: raw.slice(n * 784) };
}

async function profileFor(model: Model, pixels: Float32Array): Promise<{ profile: Profile; source: string }> {
  const bundled = await fetch('/models/digits/profile.json');
  if (bundled.ok && (bundled.headers.get('content-type') ?? '').includes('json')) return { profile: parseProfile(await bundled.json()), source: 'bundled' };
  const reference = pixels.slice(0, 1000 * 784);
  const { outputs } = await model.run({ pixels: { data: reference, dims: [1000, 784] } });
  const profile = buildProfile({
    inputs: model.inputs, outputs: model.outputs, sha256: model.sha256, calibrationWindows: 200,
    rows: { inputs: { pixels: { dtype: 'float32', dims: [1000, 784], data: reference } }, outputs: outputs as Record<string, Tensor> },
  });
  return { profile, source: 'held-out rows 0-999' };
}

const rowFeeds = (pixels: Float32Array) => Array.from({ length: 1000 }, (_, i) => ({ pixels: { data: pixels.slice((1000 + i) * 784, (1001 + i) * 784), dims: [1, 784] } }));

async function runs(): Promise<unknown> {
  const { pixels, labels } = await heldOut();
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, storage: { dbName: `bench-monitor-${mode}-${Date.now()}` } });
  const plain = await runtime.load({ url: URL_, id: 'digits-plain' });
  const { profile, source } = await profileFor(plain, pixels);
  plain.dispose();
  const model = await runtime.load({ url: URL_, id: 'digits' }, mode === 'off' ? {} : { monitor: { profile, windowSize: 200, sampleRate: 1 } });
  const feeds = rowFeeds(pixels);
  let next = 0;
  const outcome: number[] = [];
  let joined = 0;
  const run: number[] = [];
  for (let i = 0; i < WARMUP + calls; i++) {
    const row = next++ % feeds.length;
    const start = performance.now();
    const result = await model.run(feeds[row]!);
    const ran = performance.now();
    if (i >= WARMUP) run.push(ran - start);
    if (mode === 'outcomes') {
      const status = await runtime.recordOutcome(result.predictionId!, labels[1000 + row]!);
      if (i >= WARMUP) outcome.push(performance.now() - ran);
      if (status === 'joined') joined++;
    }
  }
  await new Promise((r) => setTimeout(r, 50));
  const windows = model.monitor.report().windows;
  await runtime.dispose();
  return { mode, source, run, ...(mode === 'outcomes' ? { outcome, joined } : {}), windows };
}

/** MonitorTap alone, as the worker drives it: capture each one-row run, drain after (here every 50 runs). */
async function tap(): Promise<unknown> {
  const { pixels } = await heldOut();
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, storage: { dbName: `bench-monitor-tap-${Date.now()}` } });
  const model = await runtime.load({ url: URL_, id: 'digits' });
  const { profile } = await profileFor(model, pixels);
  const { outputs } = await model.run({ pixels: { data: pixels.slice(1000 * 784), dims: [1000, 784] } });
  await runtime.dispose();
  const probabilities = outputs.probabilities!.data as Float32Array;
  const logits = outputs.logits!.data as Float32Array;
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    inputs: { pixels: { data: pixels.slice((1000 + i) * 784, (1001 + i) * 784) } },
    outputs: { probabilities: { data: probabilities.slice(i * 10, i * 10 + 10) }, logits: { data: logits.slice(i * 10, i * 10 + 10) } },
  }));
  let windows = 0;
  const t = new MonitorTap(profile, 200, 1, () => void windows++);
  let capture = 0;
  let drain = 0;
  const batch = 50;
  for (let done = 0; done < tapRows + 1000; done += batch) {
    const a = performance.now();
    for (let i = done; i < done + batch; i++) t.capture(rows[i % 1000]!.inputs, rows[i % 1000]!.outputs);
    const b = performance.now();
    t.drain();
    const c = performance.now();
    if (done >= 1000) { capture += b - a; drain += c - b; } // the first 1,000 rows warm the JIT
  }
  return { captureUs: (1000 * capture) / tapRows, drainUs: (1000 * drain) / tapRows, windows, features: profile.features.length };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = mode === 'tap' ? tap() : runs();
