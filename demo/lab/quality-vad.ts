// Frame agreement of the VAD with fp32 on WASM: the whole clip frame by frame from a zero state, carrying the
// state the model returns, and the share of frames whose speech decision (p >= 0.5) matches the reference run's.
import type { Model } from '../../src/index.js';
import type { Quality, QualityDetail } from './types.js';
import { checkAbort, vadData } from './quality-data.js';

export const THRESHOLD = 0.5;

export async function vadQuality(
  model: Model,
  reference: QualityDetail | undefined,
  signal?: AbortSignal,
): Promise<{ quality: Extract<Quality, { kind: 'frames' }>; detail: Extract<QualityDetail, { kind: 'frames' }> }> {
  if (reference && reference.kind !== 'frames') throw new TypeError(`vad: the reference detail must be of kind 'frames', got '${reference.kind}'`);
  const { inputs, frames, width, peaks } = await vadData();
  const sr = BigInt64Array.of(16000n);
  let state = new Float32Array(2 * 128);
  const probabilities: number[] = [];
  for (let f = 0; f < frames; f++) {
    checkAbort(signal);
    const input = inputs.slice(f * width, (f + 1) * width);
    const { outputs } = await model.run(
      { input: { data: input, dims: [1, width] }, state: { data: state, dims: [2, 1, 128] }, sr: { data: sr, dims: [] } },
      { cache: false },
    );
    probabilities.push(Number(outputs.output!.data[0]));
    state = Float32Array.from(outputs.stateN!.data as Float32Array);
  }
  // Without a reference this run is the reference (fp32 on WASM): it agrees with itself on every frame.
  let same = frames;
  if (reference) {
    same = 0;
    for (let f = 0; f < frames; f++) {
      const theirs = reference.probabilities[f];
      if (theirs !== undefined && (probabilities[f]! >= THRESHOLD) === (theirs >= THRESHOLD)) same++;
    }
  }
  return {
    quality: { kind: 'frames', agreement: frames ? same / frames : 1, frames },
    detail: { kind: 'frames', probabilities, peaks: peaks.slice() },
  };
}
