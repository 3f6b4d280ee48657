// The bundled models' held-out data for the lab, fetched once per page (the parsing follows demo/held-out.ts).
// Each loader keeps one module-level promise and forgets a rejected one, so a retry after a failed fetch can succeed.
import { bytes, speechClip } from '../data-files.js';

export interface DigitsData {
  /** [n, 784] model inputs (byte / 255). */
  pixels: Float32Array;
  labels: Uint8Array;
  n: number;
}

export interface ForecastData {
  /** [n, 36] histories and [n, 12] targets (ppm). */
  histories: Float32Array;
  targets: Float32Array;
  n: number;
  window: number;
  horizon: number;
  /** The held-out series the consecutive windows were cut from: window k is series[k .. k + 36), then 12 targets. */
  series: Float32Array;
}

export interface VadData {
  /** [frames, 576]: each frame's 512 new samples after the last 64 of the previous frame (zeros before frame 0). */
  inputs: Float32Array;
  frames: number;
  width: number;
  /** Peak |sample| of each frame's new samples. */
  peaks: number[];
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** 2,000 digits: uint8 pixels [n, 784], then uint8 labels [n]. */
export const digitsData = once(async (): Promise<DigitsData> => {
  const raw = await bytes('/models/digits/test-set.bin');
  const n = raw.length / 785;
  if (!Number.isInteger(n)) throw new Error(`digits/test-set.bin: ${raw.length} bytes is not a whole number of 785-byte rows`);
  return { pixels: Float32Array.from(raw.subarray(0, n * 784), (b) => b / 255), labels: raw.slice(n * 784), n };
});

/** 72 CO2 windows: float32 LE histories [n, 36], then targets [n, 12]; consecutive months, so one series. */
export const forecastData = once(async (): Promise<ForecastData> => {
  const raw = await bytes('/models/forecast/test-set.bin');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const all = Float32Array.from({ length: raw.byteLength >> 2 }, (_, i) => view.getFloat32(4 * i, true));
  const [window, horizon] = [36, 12];
  const n = all.length / (window + horizon);
  if (!Number.isInteger(n) || n < 1) throw new Error(`forecast/test-set.bin: ${all.length} values is not a whole number of windows`);
  const histories = all.slice(0, n * window);
  const targets = all.slice(n * window);
  // Window k's history, then each later window's last month, then the last window's targets: 36 + (n - 1) + 12.
  const series = new Float32Array(window + n - 1 + horizon);
  series.set(histories.subarray(0, window));
  for (let k = 1; k < n; k++) series[window + k - 1] = histories[k * window + window - 1]!;
  series.set(targets.subarray((n - 1) * horizon), window + n - 1);
  // Longer horizons rely on the windows being consecutive months: check every value against the series.
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < window + horizon; j++) {
      const value = j < window ? histories[k * window + j] : targets[k * horizon + j - window];
      if (value !== series[k + j]) throw new Error(`forecast/test-set.bin: window ${k} is not the one before it moved by one month`);
    }
  }
  return { histories, targets, n, window, horizon, series };
});

interface VadReference { frameSamples: number; contextSamples: number }

/** The clip in whole frames as Silero's runner feeds them (a trailing part frame is left out, as in reference.json). */
export const vadData = once(async (): Promise<VadData> => {
  const [samples, ref] = await Promise.all([
    speechClip(),
    fetch('/models/vad/reference.json').then((r) => {
      if (!r.ok) throw new Error(`/models/vad/reference.json: HTTP ${r.status}`);
      return r.json() as Promise<VadReference>;
    }),
  ]);
  const { frameSamples: frame, contextSamples: context } = ref;
  const width = context + frame;
  const frames = Math.floor(samples.length / frame);
  const inputs = new Float32Array(frames * width);
  const peaks: number[] = [];
  for (let f = 0; f < frames; f++) {
    if (f > 0) inputs.set(samples.subarray(f * frame - context, f * frame), f * width);
    const fresh = samples.subarray(f * frame, (f + 1) * frame);
    inputs.set(fresh, f * width + context);
    peaks.push(fresh.reduce((max, v) => Math.max(max, Math.abs(v)), 0));
  }
  return { inputs, frames, width, peaks };
});

/** Throws the AbortError the lab's callers expect once `signal` is aborted. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('the quality evaluation was stopped', 'AbortError');
}
