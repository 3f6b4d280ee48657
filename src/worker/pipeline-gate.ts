// A VAD gate in the worker: PCM in, resampled and framed for the VAD exactly as `model.stream()` does (the same
// AudioStream runs it), and only the frames whose speech probability reaches the threshold go on, as their new
// samples, to the steps after the gate. The engine keeps open gated streams beside model streams (stream.ts).
import { EdgeInferError } from '../errors.js';
import type { AudioPre, ClassesPost } from '../processors/spec.js';
import type { ValueInfo } from '../tensor.js';
import { Resampler } from './processors/resample.js';
import { runSteps, type GateFrame, type StepValue, type Run, type StepSpec } from './pipeline-run.js';
import { AudioStream, type StreamEvent } from './stream.js';

/** The gate step, as the worker runs it: the VAD's handle, processors and signature, and the threshold. */
export interface GateSpec {
  handle: number;
  pre: AudioPre;
  post: ClassesPost;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  threshold: number;
}

/** What one push gives: the frames let through, how many were dropped, the VAD's speech events, the later steps' answer. */
export interface GateReply {
  frames: GateFrame[];
  dropped: number;
  events: StreamEvent[];
  /** Per step, in ms: the gate's work (resampling, framing, the VAD's runs), then the later steps'. */
  ms: number[];
  /** What the steps after the gate made of the frames let through (a list, one item per frame, unless joined). */
  value?: StepValue;
}

export class Gate {
  private readonly resampler: Resampler | undefined;
  private readonly vad: AudioStream;
  /** Samples at the VAD's rate not yet framed by it: the front ones belong to its next frame. */
  private pending = new Float32Array(4096);
  private filled = 0;

  constructor(private readonly spec: GateSpec, sampleRate: number, run: Run) {
    const { pre, post, inputs, outputs, handle } = spec;
    this.resampler = sampleRate === pre.sampleRate ? undefined : new Resampler(sampleRate, pre.sampleRate);
    // At the VAD's own rate, the stream frames exactly the samples given here, so frame i is pending's i-th run.
    this.vad = new AudioStream(pre, post, inputs, outputs, (feeds) => run(handle, feeds), pre.sampleRate);
  }

  async push(pcm: Float32Array): Promise<Omit<GateReply, 'ms' | 'value'>> {
    const samples = this.resampler ? this.resampler.push(pcm) : pcm;
    this.append(samples);
    const { frames, events } = await this.vad.push(samples);
    const frame = this.spec.pre.frame;
    const out: GateFrame[] = [];
    frames.forEach((f, k) => {
      const score = f.prediction.type === 'classes' ? f.prediction.score : 0;
      if (score >= this.spec.threshold) out.push({ index: f.index, endMs: f.endMs, score, samples: this.pending.slice(k * frame, (k + 1) * frame) });
    });
    this.pending.copyWithin(0, frames.length * frame, this.filled);
    this.filled -= frames.length * frame;
    return { frames: out, dropped: frames.length - out.length, events };
  }

  reset(): void {
    this.resampler?.flush(); // what it held back belongs to the old stream
    this.vad.reset();
    this.filled = 0;
  }

  private append(samples: Float32Array): void {
    if (this.filled + samples.length > this.pending.length) {
      const grown = new Float32Array(Math.max(2 * this.pending.length, this.filled + samples.length));
      grown.set(this.pending.subarray(0, this.filled));
      this.pending = grown;
    }
    this.pending.set(samples, this.filled);
    this.filled += samples.length;
  }
}

/** A gate and the steps after it, fed chunk by chunk. */
export class GatedStream {
  private readonly gate: Gate;

  constructor(spec: GateSpec, private readonly after: readonly StepSpec[], sampleRate: number, private readonly run: Run) {
    this.gate = new Gate(spec, sampleRate, run);
  }

  async push(pcm: Float32Array): Promise<GateReply> {
    const start = performance.now();
    const gated = await this.gate.push(pcm);
    const ms = [performance.now() - start];
    if (this.after.length === 0) return { ...gated, ms };
    const items = gated.frames.map((frame) => ({ type: 'audio' as const, frame }));
    const rest = await runSteps(this.after, { type: 'list', items }, this.run);
    return { ...gated, ms: [...ms, ...rest.ms], value: rest.value };
  }

  reset(): void {
    this.gate.reset();
  }
}
