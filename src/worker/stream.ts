// `model.stream()` in the worker: PCM chunks at the app's rate → resampled → frames with context → one run each, the
// recurrent state carried from run to run here (it never crosses threads) → per-frame answers and speech events.
import { EdgeInferError } from '../errors.js';
import type { AudioPre, ClassesPost, Prediction, Processors, ValuesPost } from '../processors/spec.js';
import type { RunReply } from '../rpc/protocol.js';
import type { Tensor, ValueInfo } from '../tensor.js';
import { Framer } from './processors/frames.js';
import { postProcess } from './processors/post.js';
import { Resampler } from './processors/resample.js';
import { SpeechDetector, type SpeechEvent } from './processors/speech.js';

export interface StreamFrame {
  /** Frames since the stream opened or was reset. */
  index: number;
  /** Where the frame ends, in ms of the stream's audio. */
  endMs: number;
  prediction: Prediction;
}

/** A speech event with its frame's time (ms of the stream's audio). */
export type StreamEvent = SpeechEvent & { timeMs: number };

export interface StreamChunk {
  frames: StreamFrame[];
  events: StreamEvent[];
}

export class AudioStream {
  /** A stream on a loaded model, if its pre-processor is an audio one. */
  static of(entry: { id: string; processors?: Processors | undefined }, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], run: (feeds: Record<string, Tensor>) => Promise<RunReply>, sampleRate: number): AudioStream {
    const pre = entry.processors?.pre;
    if (pre?.type !== 'audio') throw new EdgeInferError('options-invalid', `stream(): model "${entry.id}" has no audio pre-processor`, { model: entry.id });
    return new AudioStream(pre, entry.processors!.post as ClassesPost | ValuesPost | undefined, inputs, outputs, run, sampleRate); // a module post is refused at load
  }

  private readonly resampler: Resampler | undefined;
  private readonly framer: Framer;
  private readonly speech: SpeechDetector | undefined;
  private state: Tensor | undefined;
  private readonly constants: Record<string, Tensor> = {};
  private index = 0;

  constructor(
    private readonly pre: AudioPre,
    private readonly post: ClassesPost | ValuesPost | undefined,
    private readonly inputs: readonly ValueInfo[],
    outputs: readonly ValueInfo[],
    private readonly run: (feeds: Record<string, Tensor>) => Promise<RunReply>,
    sampleRate: number,
  ) {
    this.resampler = sampleRate === pre.sampleRate ? undefined : new Resampler(sampleRate, pre.sampleRate);
    this.framer = new Framer({ frame: pre.frame, context: pre.context ?? 0 });
    // One score per frame (a binary classifier such as a VAD): speech start / end from it.
    this.speech = post?.type === 'classes' && rowWidth(outputs.find((o) => o.name === post.output)) === 1 ? new SpeechDetector({ positiveThreshold: post.threshold ?? 0.5, negativeThreshold: Math.min(post.threshold ?? 0.5, 0.35) }) : undefined;
    for (const [name, value] of Object.entries(pre.constants ?? {})) this.constants[name] = constant(this.info(name), value);
    this.reset();
  }

  /** Runs every frame the chunk completes, in order. */
  async push(pcm: Float32Array): Promise<StreamChunk> {
    const samples = this.resampler ? this.resampler.push(pcm) : pcm;
    const out: StreamChunk = { frames: [], events: [] };
    for (const frame of this.framer.push(samples)) {
      const feeds: Record<string, Tensor> = { ...this.constants, [this.pre.input]: { dtype: 'float32', dims: [1, frame.length], data: frame } };
      if (this.pre.state) feeds[this.pre.state.input] = this.state!;
      const { outputs } = await this.run(feeds);
      if (this.pre.state) this.state = { ...this.state!, data: outputs[this.pre.state.output]!.data };
      const prediction = postProcess(outputs, this.post);
      const index = this.index++;
      const endMs = ((index + 1) * this.pre.frame * 1000) / this.pre.sampleRate;
      out.frames.push({ index, endMs, prediction });
      const event = this.speech && prediction.type === 'classes' ? this.speech.push(prediction.score) : undefined;
      if (event) out.events.push({ ...event, timeMs: (event.frame * this.pre.frame * 1000) / this.pre.sampleRate });
    }
    return out;
  }

  /** Back to the start: zero state, no context, frame 0, no speech in progress. */
  reset(): void {
    this.framer.reset();
    this.speech?.reset();
    this.index = 0;
    if (this.pre.state) {
      const info = this.info(this.pre.state.input);
      const dims = (info.dims ?? [1]).map((d) => (typeof d === 'number' ? d : 1));
      this.state = { dtype: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) };
    }
  }

  private info(name: string): ValueInfo {
    return this.inputs.find((i) => i.name === name)!;
  }
}

function constant(info: ValueInfo, value: number): Tensor {
  const dims = (info.dims ?? []).map((d) => (typeof d === 'number' ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  if (info.dtype === 'int64') return { dtype: 'int64', dims, data: new BigInt64Array(n).fill(BigInt(Math.round(value))) };
  if (info.dtype === 'int32') return { dtype: 'int32', dims, data: new Int32Array(n).fill(value) };
  if (info.dtype === 'float32') return { dtype: 'float32', dims, data: new Float32Array(n).fill(value) };
  throw new EdgeInferError('manifest-invalid', `pre.constants.${info.name}: inputs of type ${info.dtype} cannot take a constant (int64, int32 or float32 can)`);
}

/** Values per row of an output, when its dims after the first are all fixed. */
function rowWidth(info: ValueInfo | undefined): number | undefined {
  const rest = info?.dims?.slice(1);
  return rest && rest.every((d) => typeof d === 'number') ? rest.reduce<number>((a, d) => a * (d as number), 1) : undefined;
}

/** A stream the worker keeps between pushes: a model stream or a gated pipeline. */
interface PcmStream {
  push(pcm: Float32Array): Promise<unknown>;
  reset(): void;
}

/** The open streams of one kind in a worker, by id, with the models each uses; pushes to one run one after another. */
export class Streams<S extends PcmStream> {
  private readonly open = new Map<number, { handles: readonly number[]; stream: S; tail: Promise<unknown> }>();
  private next = 1;

  constructor(private readonly kind = 'stream') {}

  add(handles: readonly number[], stream: S): number {
    const id = this.next++;
    this.open.set(id, { handles, stream, tail: Promise.resolve() });
    return id;
  }

  push(id: number, pcm: Float32Array): ReturnType<S['push']> {
    const s = this.get(id);
    if (!(pcm instanceof Float32Array)) return Promise.reject(new EdgeInferError('input-invalid', `${this.kind} push(): expected a Float32Array of PCM samples, got ${Object.prototype.toString.call(pcm)}`)) as ReturnType<S['push']>;
    const done = s.tail.then(() => s.stream.push(pcm));
    s.tail = done.catch(() => undefined);
    return done as ReturnType<S['push']>;
  }

  async reset(id: number): Promise<void> {
    const s = this.get(id);
    await s.tail;
    s.stream.reset();
  }

  close(id: number): void {
    this.open.delete(id);
  }

  /** Closes the streams that use a released model. */
  closeAll(handle: number): void {
    for (const [id, s] of this.open) if (s.handles.includes(handle)) this.open.delete(id);
  }

  private get(id: number) {
    const s = this.open.get(id);
    if (!s) throw new EdgeInferError('model-disposed', `${this.kind} ${id} was closed, or a model it uses was disposed`);
    return s;
  }
}
