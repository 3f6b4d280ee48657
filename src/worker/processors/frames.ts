// Cuts a sample stream into model input frames of `context + frame` samples, each starting with the last
// `context` samples of the frame before (zeros before the first). Silero VAD v5 is trained this way: silero-vad's
// OnnxWrapper and @ricky0123/vad-web's Silero class both prepend the previous 64 samples to each 512-sample frame
// at 16 kHz, so an onset on a frame boundary is seen whole. models/vad/build.mjs feeds the reference run the same.
import { EdgeInferError, shown } from '../../errors.js';

export interface FramerOptions {
  /** New samples per frame. @defaultValue 512 (Silero v5 at 16 kHz: 32 ms) */
  frame?: number;
  /** Samples of the previous frame repeated in front. @defaultValue 64 (Silero v5) */
  context?: number;
}

export const FRAMER_DEFAULTS = Object.freeze({ frame: 512, context: 64 });

export class Framer {
  readonly frame: number;
  readonly context: number;
  /** The frame being filled: context in front, then `filled` new samples. */
  private window: Float32Array;
  private filled = 0;

  constructor(options: FramerOptions = {}) {
    this.frame = checkCount(options.frame ?? FRAMER_DEFAULTS.frame, 'frame', 1);
    this.context = checkCount(options.context ?? FRAMER_DEFAULTS.context, 'context', 0);
    this.window = new Float32Array(this.context + this.frame);
  }

  /** Model input frames (each a new array, safe to transfer) completed by `samples`; the rest waits. */
  push(samples: Float32Array): Float32Array[] {
    if (!(samples instanceof Float32Array)) {
      throw new EdgeInferError('input-invalid', `samples must be a Float32Array; got ${shown(samples)}`);
    }
    const frames: Float32Array[] = [];
    const { context, frame, window } = this;
    let at = 0;
    while (at < samples.length) {
      const n = Math.min(frame - this.filled, samples.length - at);
      window.set(samples.subarray(at, at + n), context + this.filled);
      this.filled += n;
      at += n;
      if (this.filled === frame) {
        frames.push(window.slice());
        // The tail of this frame becomes the next one's context.
        window.copyWithin(0, frame);
        this.filled = 0;
      }
    }
    return frames;
  }

  /** New samples waiting for a full frame. */
  get buffered(): number {
    return this.filled;
  }

  /** Forgets buffered samples and the context: the next frame starts with zeros, as at the start of a stream. */
  reset(): void {
    this.window.fill(0);
    this.filled = 0;
  }
}

function checkCount(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1 << 24) {
    throw new EdgeInferError('options-invalid', `Framer ${name} must be a whole number of samples from ${min} to ` +
      `${1 << 24}; got ${shown(value)}`);
  }
  return value;
}
