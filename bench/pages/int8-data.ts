// Held-out data of the bundled models (and the bench's ~13 MB `large` model) for the int8 bench page: timing feeds and a
// quality score per batch size.
import { decodeModel } from '../../src/tools/onnx/proto.js';
import { readFloat32 } from '../../src/tools/onnx/tensors.js';

export type Feeds = Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;
export type Run = (feeds: Feeds) => Promise<Record<string, { data: ArrayLike<number> }>>;

export interface BenchModel {
  id: string;
  /** Batch sizes to time; models without a batch dimension run one frame per call. */
  batches: number[];
  feeds(batch: number): Feeds;
  /** Quality over the held-out data with calls of `batch` rows; its name is `metric`. */
  quality(run: Run, batch: number): Promise<number>;
  metric: string;
}

async function bytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function floats(b: Uint8Array, offset: number, count: number): Float32Array {
  const view = new DataView(b.buffer, b.byteOffset + offset * 4, count * 4);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
}

async function digits(): Promise<BenchModel> {
  const b = await bytes('/models/digits/test-set.bin');
  const n = b.length / 785;
  const pixels = Float32Array.from(b.subarray(0, n * 784), (v) => v / 255);
  const labels = b.subarray(n * 784);
  return {
    id: 'digits', batches: [1, 16, 64], metric: 'top-1 accuracy',
    feeds: (batch) => ({ pixels: { data: pixels.slice(0, batch * 784), dims: [batch, 784] } }),
    async quality(run, batch) {
      let correct = 0;
      for (let start = 0; start < n; start += batch) {
        const rows = Math.min(batch, n - start);
        const p = (await run({ pixels: { data: pixels.slice(start * 784, (start + rows) * 784), dims: [rows, 784] } })).probabilities!.data;
        for (let r = 0; r < rows; r++) {
          let best = 0;
          for (let c = 1; c < 10; c++) if (p[r * 10 + c]! > p[r * 10 + best]!) best = c;
          if (best === labels[start + r]) correct++;
        }
      }
      return correct / n;
    },
  };
}

async function forecast(): Promise<BenchModel> {
  const b = await bytes('/models/forecast/test-set.bin');
  const n = b.length / 4 / 48;
  const history = floats(b, 0, n * 36);
  const target = floats(b, n * 36, n * 12);
  return {
    id: 'forecast', batches: [1, 16, 64], metric: 'MAE (ppm)',
    feeds: (batch) => ({ history: { data: history.slice(0, batch * 36), dims: [batch, 36] } }),
    async quality(run, batch) {
      let sum = 0;
      for (let start = 0; start < n; start += batch) {
        const rows = Math.min(batch, n - start);
        const y = (await run({ history: { data: history.slice(start * 36, (start + rows) * 36), dims: [rows, 36] } })).forecast!.data;
        for (let i = 0; i < rows * 12; i++) sum += Math.abs(y[i]! - target[start * 12 + i]!);
      }
      return sum / (n * 12);
    },
  };
}

async function vad(): Promise<BenchModel> {
  const wav = await bytes('/models/vad/speech.wav');
  const reference = (await (await fetch('/models/vad/reference.json')).json()) as { probabilities: number[]; threshold: number };
  const data = findData(wav);
  const view = new DataView(wav.buffer, wav.byteOffset + data.offset, data.size);
  const samples = Float32Array.from({ length: data.size / 2 }, (_, i) => view.getInt16(i * 2, true) / 32768);
  const frames = reference.probabilities.length;
  const sr = { data: BigInt64Array.of(16000n), dims: [] };
  const frameFeeds = (f: number, state: Float32Array): Feeds => {
    const input = new Float32Array(576);
    if (f > 0) input.set(samples.subarray(f * 512 - 64, f * 512));
    input.set(samples.subarray(f * 512, (f + 1) * 512), 64);
    return { input: { data: input, dims: [1, 576] }, state: { data: state, dims: [2, 1, 128] }, sr };
  };
  return {
    id: 'vad', batches: [1], metric: 'decisions = fp32',
    feeds: () => frameFeeds(40, new Float32Array(256)),
    async quality(run) {
      let state = new Float32Array(256);
      let same = 0;
      for (let f = 0; f < frames; f++) {
        const out = await run(frameFeeds(f, state));
        state = Float32Array.from(out.stateN!.data);
        if ((out.output!.data[0]! >= reference.threshold) === (reference.probabilities[f]! >= reference.threshold)) same++;
      }
      return same / frames;
    },
  };
}

/** Where the 16-bit PCM samples are: the body of the WAV's `data` chunk. */
function findData(wav: Uint8Array): { offset: number; size: number } {
  const view = new DataView(wav.buffer, wav.byteOffset);
  for (let offset = 12; offset + 8 <= wav.length; offset += 8 + view.getUint32(offset + 4, true) + (view.getUint32(offset + 4, true) & 1)) {
    const size = view.getUint32(offset + 4, true);
    if (String.fromCharCode(...wav.subarray(offset, offset + 4)) === 'data') return { offset: offset + 8, size };
  }
  throw new Error('speech.wav has no data chunk');
}

/**
 * bench/large-model.mjs's ~13 MB model (x[batch,1792] -> MatMul -> Relu -> MatMul -> y[batch,16], seeded weights):
 * no held-out data, so quality is the RMS error of y relative to a float64 reference computed here from the fp32
 * weights, over 64 fixed input rows.
 */
async function large(): Promise<BenchModel> {
  const width = 1792;
  const rows = 64;
  const x = Float32Array.from({ length: rows * width }, (_, i) => (((i * 2654435761) >>> 0) / 2 ** 32) - 0.5);
  let reference: Float64Array | undefined; // only quality passes need it (~200 M multiply-adds)
  return {
    id: 'large', batches: [1, 16, 64], metric: 'relative RMS error of y vs float64',
    feeds: (batch) => ({ x: { data: x.slice(0, batch * width), dims: [batch, width] } }),
    async quality(run, batch) {
      reference ??= largeReference(await bytes('/bench/fixtures/large.onnx'), x, rows);
      let err = 0;
      let norm = 0;
      for (let start = 0; start < rows; start += batch) {
        const n = Math.min(batch, rows - start);
        const y = (await run({ x: { data: x.slice(start * width, (start + n) * width), dims: [n, width] } })).y!.data;
        for (let i = 0; i < n * 16; i++) {
          const ref = reference[start * 16 + i]!;
          err += (y[i]! - ref) ** 2;
          norm += ref ** 2;
        }
      }
      return Math.sqrt(err / norm);
    },
  };
}

function largeReference(model: Uint8Array, x: Float32Array, rows: number): Float64Array {
  const weights = Object.fromEntries(decodeModel(model).model.graph.initializer.map((t) => [t.name, readFloat32(t)]));
  const [w1, w2] = [weights.w1!, weights.w2!];
  const k = 1792;
  const y = new Float64Array(rows * 16);
  const h = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    h.fill(0);
    for (let i = 0; i < k; i++) {
      const xi = x[r * k + i]!;
      for (let j = 0; j < k; j++) h[j]! += xi * w1[i * k + j]!;
    }
    for (let i = 0; i < k; i++) {
      const hi = Math.max(0, h[i]!);
      for (let j = 0; j < 16; j++) y[r * 16 + j]! += hi * w2[i * 16 + j]!;
    }
  }
  return y;
}

export const BENCH_MODELS: Record<string, () => Promise<BenchModel>> = { digits, forecast, vad, large };
