import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../../../src/random.js';
import { Resampler, resample } from '../../../../src/worker/processors/resample.js';
import { codeOf } from '../../code-of.js';

const tone = (hz: number, rate: number, seconds: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => amp * Math.sin((2 * Math.PI * hz * n) / rate));

const noise = (n: number, seed: number) => {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
};

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** Drops the filter's start-up and run-out at both ends. */
const interior = (x: Float32Array, rate: number) => x.subarray(Math.round(rate * 0.02), x.length - Math.round(rate * 0.02));

/** Frequency from the rising zero crossings (linearly interpolated) between the first and the last. */
function frequency(x: Float32Array, rate: number): number {
  const rising: number[] = [];
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 && x[i]! >= 0) rising.push(i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!));
  return ((rising.length - 1) * rate) / (rising.at(-1)! - rising[0]!);
}

/** Amplitude of the `hz` component (projection onto sin and cos over the whole slice). */
function amplitude(x: Float32Array, hz: number, rate: number): number {
  let s = 0;
  let c = 0;
  x.forEach((v, n) => {
    s += v * Math.sin((2 * Math.PI * hz * n) / rate);
    c += v * Math.cos((2 * Math.PI * hz * n) / rate);
  });
  return (2 / x.length) * Math.hypot(s, c);
}

describe('resample', () => {
  for (const from of [48000, 44100]) {
    test(`a 1 kHz sine from ${from} Hz to 16 kHz keeps its frequency, amplitude and phase`, () => {
      const out = resample(tone(1000, from, 1), from, 16000);
      expect(out.length).toBe(16000);
      const mid = interior(out, 16000);
      expect(Math.abs(frequency(mid, 16000) / 1000 - 1)).toBeLessThan(0.01);
      expect(Math.abs(amplitude(mid, 1000, 16000) / 0.5 - 1)).toBeLessThan(0.01);
      // Sample k sits at time k / 16000, so it matches the ideal sine point by point.
      const skip = Math.round(16000 * 0.02);
      const worst = mid.reduce((m, v, i) => Math.max(m, Math.abs(v - 0.5 * Math.sin((2 * Math.PI * 1000 * (i + skip)) / 16000))), 0);
      expect(worst).toBeLessThan(0.005);
    });
  }

  test.each([
    [48000, 10000],
    [48000, 20000],
    [44100, 9000],
    [44100, 15000],
  ])('a %i Hz input tone at %i Hz (above the new 8 kHz Nyquist) is attenuated by at least 40 dB', (from, hz) => {
    const input = tone(hz, from, 1);
    const out = interior(resample(input, from, 16000), 16000);
    const db = 20 * Math.log10(rms(out) / rms(input));
    expect(db).toBeLessThan(-40);
  });

  test('a 1 kHz sine up from 16 kHz to 44.1 and 48 kHz matches the ideal sine', () => {
    for (const to of [44100, 48000]) {
      const out = resample(tone(1000, 16000, 0.5), 16000, to);
      expect(out.length).toBe(Math.ceil((8000 * to) / 16000));
      const skip = Math.round(to * 0.02);
      const mid = interior(out, to);
      const worst = mid.reduce((m, v, i) => Math.max(m, Math.abs(v - 0.5 * Math.sin((2 * Math.PI * 1000 * (i + skip)) / to))), 0);
      expect(worst).toBeLessThan(0.005);
    }
  });

  test('a constant stays constant (unit gain in every filter phase)', () => {
    const out = interior(resample(new Float32Array(44100).fill(0.25), 44100, 16000), 16000);
    for (const v of out) expect(Math.abs(v - 0.25)).toBeLessThan(1e-6);
  });

  test('output length is ceil(n · to / from); empty stays empty', () => {
    expect(resample(new Float32Array(1000), 48000, 16000).length).toBe(334);
    expect(resample(new Float32Array(441), 44100, 16000).length).toBe(160);
    expect(resample(new Float32Array(442), 44100, 16000).length).toBe(161);
    expect(resample(new Float32Array(1), 16000, 48000).length).toBe(3);
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
  });

  test('equal rates give a copy', () => {
    const input = noise(1000, 1);
    const out = resample(input, 16000, 16000);
    expect(out).not.toBe(input);
    expect(out).toEqual(input);
    const r = new Resampler(22050, 22050);
    const chunk = r.push(input);
    expect(chunk).not.toBe(input);
    expect(chunk).toEqual(input);
    expect(r.flush().length).toBe(0);
  });

  test('bad rates and samples throw input-invalid', () => {
    const pcm = new Float32Array(10);
    for (const bad of [7999, 384001, 0, -16000, Number.NaN, Number.POSITIVE_INFINITY, 44100.5, '16000', undefined]) {
      expect(codeOf(() => resample(pcm, bad as number, 16000))).toBe('input-invalid');
      expect(codeOf(() => new Resampler(16000, bad as number))).toBe('input-invalid');
    }
    // 383999 / 8000 do not reduce: 8000 phases of a ~3400-tap filter.
    expect(codeOf(() => new Resampler(383999, 8000))).toBe('input-invalid');
    expect(codeOf(() => resample([0, 1] as unknown as Float32Array, 48000, 16000))).toBe('input-invalid');
    expect(codeOf(() => new Resampler(48000, 16000).push(new Float64Array(4) as unknown as Float32Array))).toBe('input-invalid');
  });

  test('the usual device rates all build', () => {
    for (const from of [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000, 384000]) {
      for (const to of [8000, 16000, 44100, 48000]) expect(codeOf(() => new Resampler(from, to))).toBeUndefined();
    }
  });
});

describe('Resampler (streaming)', () => {
  const pairs = [[48000, 16000], [44100, 16000], [16000, 44100], [16000, 48000], [22050, 16000], [48000, 44100], [384000, 8000], [8000, 96000]];
  test.each(pairs)('%i → %i Hz in random chunk sizes equals the one-shot result exactly', (from, to) => {
    const input = noise(from / 4 + 17, from + to);
    const expected = resample(input, from, to);
    const rnd = mulberry32(to);
    for (let trial = 0; trial < 3; trial++) {
      const r = new Resampler(from, to);
      const parts: Float32Array[] = [];
      for (let at = 0; at < input.length;) {
        // Mostly small chunks (audio worklet: 128), sometimes empty, sometimes large.
        const size = rnd() < 0.1 ? 0 : Math.floor(rnd() ** 3 * 5000) + 1;
        parts.push(r.push(input.subarray(at, at + size)));
        at += size;
      }
      parts.push(r.flush());
      const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
      expect(joined).toEqual(expected);
    }
  });

  test('flush ends a stream and the instance starts the next one afresh', () => {
    const input = noise(5000, 3);
    const r = new Resampler(44100, 16000);
    const first = [r.push(input), r.flush()];
    const second = [r.push(input.subarray(0, 123)), r.push(input.subarray(123)), r.flush()];
    const join = (xs: Float32Array[]) => Float32Array.from(xs.flatMap((x) => Array.from(x)));
    expect(join(second)).toEqual(join(first));
    expect(join(first)).toEqual(resample(input, 44100, 16000));
  });

  test('push holds back only the filter half-width', () => {
    const r = new Resampler(48000, 16000);
    const out = r.push(new Float32Array(48000));
    // 16000 outputs in all; the last ~35 (half-width ≈ 106 input samples) wait for more input or flush.
    expect(out.length).toBeGreaterThan(15950);
    expect(out.length + r.flush().length).toBe(16000);
  });
});
