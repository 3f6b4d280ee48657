// Per-frame speech probabilities → `start` / `end` events. Two thresholds (hysteresis) keep one noisy frame near a
// single cut-off from toggling the state; a segment must gather `minSpeechFrames` speech frames before it starts
// (short clicks never fire) and ends only after `redemptionFrames` silent frames (pauses between words don't split).
import { EdgeInferError, shown } from '../../errors.js';

export interface SpeechOptions {
  /**
   * A frame at or above this is speech. @defaultValue 0.5 (silero-vad's `threshold` in get_speech_timestamps and
   * VADIterator; also the cut-off models/vad/reference.json scores against. vad-web 0.0.31 lowered its own to 0.3.)
   */
  positiveThreshold?: number;
  /**
   * A frame below this is silence; frames in between neither add speech nor count as silence. At most
   * positiveThreshold. @defaultValue 0.35 (silero-vad's `neg_threshold` = threshold − 0.15; vad-web used 0.5 − 0.15
   * up to 0.0.2x)
   */
  negativeThreshold?: number;
  /**
   * Speech frames a segment needs before `start` fires. @defaultValue 12 (vad-web 0.0.31's minSpeechMs = 400 ms
   * at 32 ms per 512-sample frame, rounded down as vad-web does)
   */
  minSpeechFrames?: number;
  /**
   * Silent frames (below negativeThreshold) since the segment's last speech frame that end it.
   * @defaultValue 43 (vad-web 0.0.31's redemptionMs = 1400 ms at 32 ms a frame; silero-vad's batch splitter uses
   * 100 ms, too short for a live turn, which pauses longer between phrases)
   */
  redemptionFrames?: number;
}

export const SPEECH_DEFAULTS = Object.freeze({
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  minSpeechFrames: 12,
  redemptionFrames: 43,
});

/**
 * Frame indices count from the last reset or flush. `start.frame` is the segment's first speech frame (the event
 * itself arrives minSpeechFrames speech frames later); `end.frame` is one past its last frame not below
 * negativeThreshold (the event arrives redemptionFrames silent frames later).
 */
export type SpeechEvent =
  | { type: 'start'; frame: number }
  | { type: 'end'; frame: number; speechFrames: number };

type State = 'idle' | 'pending' | 'speaking';

export class SpeechDetector {
  readonly options: Readonly<Required<SpeechOptions>>;
  private state: State = 'idle';
  private index = 0;
  private start = 0;
  private lastVoiced = 0;
  private speechFrames = 0;
  private silentFrames = 0;

  constructor(options: SpeechOptions = {}) {
    const o = { ...SPEECH_DEFAULTS, ...definedOnly(options) };
    checkProbability(o.positiveThreshold, 'positiveThreshold', 'options-invalid');
    checkProbability(o.negativeThreshold, 'negativeThreshold', 'options-invalid');
    if (o.negativeThreshold > o.positiveThreshold) {
      throw new EdgeInferError('options-invalid', `negativeThreshold must be at most positiveThreshold ` +
        `(${o.positiveThreshold}); got ${o.negativeThreshold}`);
    }
    for (const name of ['minSpeechFrames', 'redemptionFrames'] as const) {
      const v: unknown = o[name];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new EdgeInferError('options-invalid', `${name} must be a whole number of frames ≥ 1; got ${shown(v)}`);
      }
    }
    this.options = Object.freeze(o);
  }

  /** True between a `start` and its `end`. */
  get speaking(): boolean {
    return this.state === 'speaking';
  }

  /** Takes the next frame's probability; returns the event it causes, if any (at most one a frame). */
  push(probability: number): SpeechEvent | undefined {
    checkProbability(probability, 'probability', 'input-invalid');
    const { positiveThreshold, negativeThreshold, minSpeechFrames, redemptionFrames } = this.options;
    const i = this.index++;
    const speech = probability >= positiveThreshold;
    if (this.state === 'idle') {
      if (!speech) return undefined;
      this.state = 'pending';
      this.start = i;
      this.speechFrames = 0;
      this.silentFrames = 0;
    }
    if (speech) {
      this.speechFrames++;
      this.silentFrames = 0;
      this.lastVoiced = i;
    } else if (probability < negativeThreshold) {
      this.silentFrames++;
    } else {
      this.lastVoiced = i;
    }
    if (this.state === 'pending' && this.speechFrames >= minSpeechFrames) {
      this.state = 'speaking';
      return { type: 'start', frame: this.start };
    }
    if (this.silentFrames >= redemptionFrames) {
      // A pending segment that never gathered enough speech ends silently: its start was never announced.
      const event = this.closing();
      this.state = 'idle';
      return event;
    }
    return undefined;
  }

  /** Ends the stream: closes an open segment (its `end` event) and starts counting frames from 0 again. */
  flush(): SpeechEvent | undefined {
    const event = this.closing();
    this.reset();
    return event;
  }

  /** Back to silence at frame 0, without an event. */
  reset(): void {
    this.state = 'idle';
    this.index = 0;
    this.speechFrames = 0;
    this.silentFrames = 0;
  }

  private closing(): SpeechEvent | undefined {
    if (this.state !== 'speaking') return undefined;
    return { type: 'end', frame: this.lastVoiced + 1, speechFrames: this.speechFrames };
  }
}

function definedOnly(options: SpeechOptions): SpeechOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EdgeInferError('options-invalid', `speech options must be an object; got ${shown(options)}`);
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SpeechOptions;
}

function checkProbability(value: unknown, name: string, code: 'options-invalid' | 'input-invalid'): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new EdgeInferError(code, `${name} must be a number from 0 to 1; got ${shown(value)}`);
  }
}
