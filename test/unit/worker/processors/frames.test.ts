import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../../../src/random.js';
import { Framer } from '../../../../src/worker/processors/frames.js';
import { codeOf } from '../../code-of.js';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i + 1);

/** How models/vad/build.mjs builds frame f: the 64 samples before it (zeros for the first), then 512 new ones. */
function reference(samples: Float32Array, f: number, frame = 512, context = 64): Float32Array {
  const input = new Float32Array(context + frame);
  const from = f * frame - context;
  for (let i = 0; i < context; i++) input[i] = from + i >= 0 ? samples[from + i]! : 0;
  input.set(samples.subarray(f * frame, (f + 1) * frame), context);
  return input;
}

describe('Framer', () => {
  test('defaults to Silero v5: 576-sample frames, 64 of them the tail of the previous frame, zeros first', () => {
    const framer = new Framer();
    expect([framer.frame, framer.context]).toEqual([512, 64]);
    const samples = ramp(512 * 3 + 100);
    const frames = framer.push(samples);
    expect(frames).toHaveLength(3);
    frames.forEach((frame, f) => {
      expect(frame.length).toBe(576);
      expect(frame).toEqual(reference(samples, f));
    });
    expect(frames[0]!.subarray(0, 64).every((v) => v === 0)).toBe(true);
    expect(frames[1]!.subarray(0, 64)).toEqual(frames[0]!.subarray(512));
    expect(framer.buffered).toBe(100);
  });

  test('chunk sizes do not change the frames', () => {
    const samples = ramp(512 * 20 + 7);
    const whole = new Framer().push(samples);
    const rnd = mulberry32(5);
    const framer = new Framer();
    const pieces: Float32Array[] = [];
    for (let at = 0; at < samples.length;) {
      const size = Math.floor(rnd() * 1500);
      pieces.push(...framer.push(samples.subarray(at, at + size)));
      at += size;
    }
    expect(pieces).toEqual(whole);
  });

  test('each frame is its own array (safe to transfer or keep)', () => {
    const framer = new Framer({ frame: 4, context: 2 });
    const [a, b] = framer.push(ramp(8));
    expect(a!.buffer).not.toBe(b!.buffer);
    expect(Array.from(a!)).toEqual([0, 0, 1, 2, 3, 4]);
    expect(Array.from(b!)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test('context longer than a frame and no context at all', () => {
    expect(new Framer({ frame: 2, context: 3 }).push(ramp(6)).map((f) => Array.from(f))).toEqual([
      [0, 0, 0, 1, 2], [0, 1, 2, 3, 4], [2, 3, 4, 5, 6],
    ]);
    expect(new Framer({ frame: 3, context: 0 }).push(ramp(7)).map((f) => Array.from(f))).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('reset drops buffered samples and the context', () => {
    const framer = new Framer({ frame: 4, context: 2 });
    framer.push(ramp(6));
    framer.reset();
    expect(framer.buffered).toBe(0);
    expect(Array.from(framer.push(Float32Array.of(9, 9, 9, 9))[0]!)).toEqual([0, 0, 9, 9, 9, 9]);
  });

  test('bad options throw options-invalid; bad samples input-invalid', () => {
    for (const frame of [0, -1, 1.5, Number.NaN, '512']) expect(codeOf(() => new Framer({ frame: frame as number }))).toBe('options-invalid');
    for (const context of [-1, 0.5, Number.POSITIVE_INFINITY]) expect(codeOf(() => new Framer({ context }))).toBe('options-invalid');
    expect(codeOf(() => new Framer().push([1, 2] as unknown as Float32Array))).toBe('input-invalid');
  });
});
