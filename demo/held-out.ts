// The bundled models' held-out data as endless streams of one-row feeds for the monitor page, with a shift from
// shifts.ts applied row by row and the true outcome of each row where there is one.
import type { Tensor } from '../src/index.js';
import type { Shift, ShiftModel } from './shifts.js';
import { bytes, speechClip } from './data-files.js';

/** A feed as `model.run()` takes it (the dtype follows from the array). */
export type Feed = { data: Float32Array | BigInt64Array; dims: number[] };

export interface StreamRow {
  feeds: Record<string, Feed>;
  /** What `runtime.recordOutcome()` gets; undefined when the row has no sensible label. */
  truth?: number | Float32Array;
}

export interface HeldOutStream {
  /** Rows in one pass over the data (the stream then starts over). */
  readonly length: number;
  /** What an outcome is, for the page. */
  readonly outcome: string;
  next(shift: Shift | undefined, strength: number, random: () => number): StreamRow;
  /** Called with each row's outputs (the VAD carries its state to the next frame). */
  after?(outputs: Readonly<Record<string, Tensor>>): void;
  /** Feeds for the load's backend probe, where the ones it makes up from the signature do not run. */
  probe?(): Record<string, Tensor>;
}

/** 2,000 digits: uint8 pixels [n, 784] (input = byte / 255), then uint8 labels [n]. */
async function digits(): Promise<HeldOutStream> {
  const raw = await bytes('/models/digits/test-set.bin');
  const n = raw.length / 785;
  const labels = raw.subarray(n * 784);
  let i = 0;
  return {
    length: n,
    outcome: 'the true digit',
    next(shift, strength, random) {
      const at = shift?.pick ? shift.pick(labels, strength, random) : i++ % n;
      const row = Float32Array.from(raw.subarray(at * 784, (at + 1) * 784), (b) => b / 255);
      shift?.apply?.(row, strength, random);
      return { feeds: { pixels: { data: row, dims: [1, 784] } }, truth: labels[at]! };
    },
  };
}

/** 72 CO2 windows: float32 histories [n, 36], then float32 targets [n, 12] (ppm). */
async function forecast(): Promise<HeldOutStream> {
  const raw = await bytes('/models/forecast/test-set.bin');
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const n = all.length / 48;
  let i = 0;
  return {
    length: n,
    outcome: 'the 12 months that followed',
    next(shift, strength, random) {
      const at = i++ % n;
      const history = all.slice(at * 36, (at + 1) * 36);
      shift?.apply?.(history, strength, random);
      const truth = all.slice(n * 36 + at * 12, n * 36 + (at + 1) * 12);
      // A level shift moves the whole series, so what really followed moved with it.
      if (shift?.id === 'level') truth.forEach((v, k) => (truth[k] = v + strength));
      return { feeds: { history: { data: history, dims: [1, 36] } }, truth };
    },
  };
}

interface VadReference { frameSamples: number; contextSamples: number; labels: number[]; scored: (boolean | number)[] }

/**
 * The speech clip frame by frame as Silero's runner feeds it (the last 64 samples of the previous frame, then the
 * 512 new ones, and the state the last call returned); it starts over, from a zero state, after the last frame.
 * A shift changes the new samples, so the context carries the shifted sound on. The outcome of a frame is its speech
 * label from reference.json, for frames away from speech boundaries only.
 */
async function vad(): Promise<HeldOutStream> {
  const [samples, ref] = await Promise.all([
    speechClip(),
    fetch('/models/vad/reference.json').then((r) => r.json() as Promise<VadReference>),
  ]);
  const { frameSamples: frame, contextSamples: context } = ref;
  const frames = Math.floor(samples.length / frame);
  const sr: Feed = { data: new BigInt64Array([16000n]), dims: [] };
  let f = 0;
  let state = new Float32Array(2 * 128);
  let previous = new Float32Array(frame);
  return {
    length: frames,
    outcome: 'speech (1) or not (0) from the clip\'s labels, away from boundaries',
    next(shift, strength, random) {
      const at = f++ % frames;
      if (at === 0) (state = new Float32Array(2 * 128)), (previous = new Float32Array(frame));
      const fresh = samples.slice(at * frame, (at + 1) * frame);
      shift?.apply?.(fresh, strength, random);
      const input = new Float32Array(context + frame);
      input.set(previous.subarray(frame - context), 0);
      input.set(fresh, context);
      previous = fresh;
      const feeds = { input: { data: input, dims: [1, input.length] }, state: { data: state, dims: [2, 1, 128] }, sr };
      return ref.scored[at] ? { feeds, truth: ref.labels[at]! } : { feeds };
    },
    after(outputs) {
      const next = outputs.stateN?.data;
      if (next instanceof Float32Array) state = next.slice();
    },
    // A made-up input of one sample fails the model's reflect padding: probe with a silent frame.
    probe: () => ({
      input: { dtype: 'float32', dims: [1, context + frame], data: new Float32Array(context + frame) },
      state: { dtype: 'float32', dims: [2, 1, 128], data: new Float32Array(2 * 128) },
      sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) },
    }),
  };
}

export function heldOut(model: ShiftModel): Promise<HeldOutStream> {
  return model === 'digits' ? digits() : model === 'forecast' ? forecast() : vad();
}
