// `model.stream()` on the main thread: a handle on a stream the worker keeps (resampler, frame context, recurrent
// state, speech detector). Chunks go over as copies; each push resolves with the frames it completed.
import { EdgeInferError, shown } from '../errors.js';
import type { StreamChunk } from '../worker/stream.js';

export interface StreamOptions {
  /** The rate of the PCM you push (Hz, whole): resampled in the worker to the model's. */
  sampleRate: number;
}

/** The worker calls an open stream needs (bound to its model's worker). */
export interface StreamHost {
  push(id: number, pcm: Float32Array): Promise<StreamChunk>;
  reset(id: number): Promise<void>;
  close(id: number): Promise<void>;
}

export class ModelStream {
  private closed = false;

  /** @internal Made by `model.stream()`. */
  constructor(
    private readonly host: StreamHost,
    private readonly id: number,
    private readonly model: string,
  ) {}

  /**
   * Sends a chunk of mono PCM (any length); resolves with every frame it completed (`frames`: index, end time and
   * the post-processor's answer) and the speech `start` / `end` events they raised. Chunks are handled in order.
   */
  push(pcm: Float32Array): Promise<StreamChunk> {
    if (this.closed) return Promise.reject(new EdgeInferError('model-disposed', `this stream of model "${this.model}" was closed`, { model: this.model }));
    if (!(pcm instanceof Float32Array)) return Promise.reject(new EdgeInferError('input-invalid', `stream.push(): expected a Float32Array of PCM samples, got ${shown(pcm)}`, { model: this.model }));
    return this.host.push(this.id, pcm);
  }

  /** Starts over: zero state, no context, frame 0. */
  reset(): Promise<void> {
    return this.closed ? Promise.resolve() : this.host.reset(this.id);
  }

  /** Frees the worker's side; later pushes reject with `model-disposed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.host.close(this.id).catch(() => undefined); // a worker that is gone has nothing left to free
  }
}

export function checkStreamOptions(options: unknown): StreamOptions {
  const rate = (options as StreamOptions | null)?.sampleRate;
  if (typeof options !== 'object' || options === null || !Number.isSafeInteger(rate) || rate! < 8000 || rate! > 384000) {
    throw new EdgeInferError('options-invalid', `stream() options must be { sampleRate: a whole number of Hz from 8000 to 384000 }, got ${shown(options)}`);
  }
  return { sampleRate: rate! };
}
