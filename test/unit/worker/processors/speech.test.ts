import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { SPEECH_DEFAULTS, SpeechDetector, type SpeechEvent, type SpeechOptions } from '../../../../src/worker/processors/speech.js';
import { codeOf } from '../../code-of.js';

/** Events with the frame index at which each arrived. */
function run(probabilities: number[], options: SpeechOptions, flush = true): [number, SpeechEvent][] {
  const detector = new SpeechDetector(options);
  const events: [number, SpeechEvent][] = [];
  probabilities.forEach((p, i) => {
    const event = detector.push(p);
    if (event) events.push([i, event]);
  });
  const last = flush ? detector.flush() : undefined;
  if (last) events.push([probabilities.length, last]);
  return events;
}

const model = (file: string) => new URL(`../../../../models/vad/${file}`, import.meta.url);
const small = { minSpeechFrames: 2, redemptionFrames: 3 };
const repeat = (p: number, n: number) => Array<number>(n).fill(p);

describe('SpeechDetector', () => {
  test('defaults: thresholds 0.5 / 0.35, 12 speech frames to start, 43 silent frames to end', () => {
    expect(new SpeechDetector().options).toEqual({ positiveThreshold: 0.5, negativeThreshold: 0.35, minSpeechFrames: 12, redemptionFrames: 43 });
    expect(Object.isFrozen(SPEECH_DEFAULTS)).toBe(true);
  });

  test('start after minSpeechFrames speech frames, dated to the first; end after redemptionFrames silent ones', () => {
    const p = [0.1, 0.1, 0.9, 0.8, 0.9, 0.1, 0.1, 0.1, 0.1];
    expect(run(p, small)).toEqual([
      [3, { type: 'start', frame: 2 }],
      [7, { type: 'end', frame: 5, speechFrames: 3 }],
    ]);
  });

  test('hysteresis: frames between the thresholds neither start speech nor end it', () => {
    // 0.45 never starts a segment…
    expect(run(repeat(0.45, 20), small)).toEqual([]);
    // …and inside one it keeps the segment open and extends its end, without counting as silence.
    const p = [0.9, 0.9, 0.45, 0.1, 0.45, 0.1, 0.45, 0.1, 0.1];
    expect(run(p, small)).toEqual([
      [1, { type: 'start', frame: 0 }],
      [7, { type: 'end', frame: 7, speechFrames: 2 }],
    ]);
  });

  test('a speech frame before the silence is redeemed restarts the count: pauses do not split a segment', () => {
    const p = [0.9, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1];
    expect(run(p, small)).toEqual([
      [1, { type: 'start', frame: 0 }],
      [10, { type: 'end', frame: 8, speechFrames: 4 }],
    ]);
  });

  test('too little speech before the silence is a misfire: no start, no end', () => {
    const p = [0.9, 0.1, 0.1, 0.1, 0.1, 0.1];
    expect(run(p, small)).toEqual([]);
    // The speech frames of a pending segment need not be consecutive.
    expect(run([0.9, 0.1, 0.1, 0.9], small)).toEqual([[3, { type: 'start', frame: 0 }], [4, { type: 'end', frame: 4, speechFrames: 2 }]]);
  });

  test('two segments; flush closes an open one and starts frame counting afresh', () => {
    const p = [...repeat(0.9, 3), ...repeat(0.1, 3), ...repeat(0.2, 2), ...repeat(0.9, 2)];
    expect(run(p, small)).toEqual([
      [1, { type: 'start', frame: 0 }],
      [5, { type: 'end', frame: 3, speechFrames: 3 }],
      [9, { type: 'start', frame: 8 }],
      [10, { type: 'end', frame: 10, speechFrames: 2 }],
    ]);
    const detector = new SpeechDetector(small);
    [0.9, 0.9].forEach((v) => detector.push(v));
    expect(detector.speaking).toBe(true);
    expect(detector.flush()).toEqual({ type: 'end', frame: 2, speechFrames: 2 });
    expect(detector.speaking).toBe(false);
    expect(detector.flush()).toBeUndefined();
    detector.push(0.9);
    expect(detector.push(0.9)).toEqual({ type: 'start', frame: 0 });
    detector.reset();
    expect(detector.speaking).toBe(false);
  });

  test('on the bundled clip the defaults find its two sentences', () => {
    const ref = JSON.parse(readFileSync(model('reference.json'), 'utf8')) as { probabilities: number[]; frameSamples: number; sampleRate: number };
    const clip = JSON.parse(readFileSync(model('speech.json'), 'utf8')) as { segments: { start: number; end: number }[] };
    const seconds = (frame: number) => (frame * ref.frameSamples) / ref.sampleRate;
    const events = run(ref.probabilities, {}).map(([, e]) => e);
    expect(events.map((e) => e.type)).toEqual(['start', 'end', 'start', 'end']);
    clip.segments.forEach((segment, i) => {
      // Within a frame or two of the synthesized sentence (32 ms frames; the model lags a little at the end).
      expect(Math.abs(seconds(events[2 * i]!.frame) - segment.start)).toBeLessThan(0.1);
      expect(Math.abs(seconds(events[2 * i + 1]!.frame) - segment.end)).toBeLessThan(0.15);
    });
  });

  test('bad options throw options-invalid; a bad probability input-invalid', () => {
    for (const options of [
      { positiveThreshold: 1.5 }, { negativeThreshold: -0.1 }, { positiveThreshold: 0.3 }, { minSpeechFrames: 0 },
      { redemptionFrames: 2.5 }, { positiveThreshold: Number.NaN }, { minSpeechFrames: '3' as unknown as number },
    ]) expect(codeOf(() => new SpeechDetector(options))).toBe('options-invalid');
    expect(codeOf(() => new SpeechDetector({ positiveThreshold: 0.3, negativeThreshold: 0.25 }))).toBeUndefined();
    const detector = new SpeechDetector();
    for (const p of [Number.NaN, -0.01, 1.01, '0.5']) expect(codeOf(() => detector.push(p as number))).toBe('input-invalid');
  });
});
