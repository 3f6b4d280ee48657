// `runtime.pipeline()` on the main thread: a checked plan of steps, run in the worker in one message (`run()`), or fed
// chunk by chunk when a gate comes first (`stream()`). Only the input and the last step's answer cross threads.
import type { Remote } from 'comlink';
import { EdgeInferError, shown } from '../errors.js';
import type { Prediction } from '../processors/spec.js';
import type { WorkerApi } from '../rpc/protocol.js';
import { validateFeeds, type Tensor } from '../tensor.js';
import type { GateFrame, PipelineInput, StepItem, StepSpec, StepValue } from '../worker/pipeline-run.js';
import type { GateReply, GateSpec } from '../worker/pipeline-gate.js';
import type { StreamEvent } from '../worker/stream.js';
import { checkStreamOptions, type StreamOptions } from './model-stream.js';
import type { Composable, PipelinePlan, PipelineStepKind } from './pipeline-plan.js';
import { imageOf, type PredictInput } from './predict-input.js';
import { setOwn } from '../own.js';

export type { GateFrame } from '../worker/pipeline-run.js';

/** Calls on one worker: the one that held the models when the call was bound. */
export type WorkerCall = <T>(fn: (api: Remote<WorkerApi>) => Promise<T>) => Promise<T>;

/** One thing a step made: a model's outputs, an answer, an image (a split's piece), or a speech frame (a gate's). */
export type PipelineItem =
  | { type: 'outputs'; outputs: Record<string, Tensor> }
  | { type: 'prediction'; prediction: Prediction }
  | { type: 'image'; image: ImageData }
  | { type: 'audio'; frame: GateFrame };

/** What the last step made: one item, or a list (a step that ran per item, after a split or a gate). */
export type PipelineValue = PipelineItem | { type: 'list'; items: PipelineItem[] };

/** What `pipeline.run()` answers: the last step's value, and the time of every step. */
export type PipelineResult = PipelineValue & {
  /** Per step, in ms, in order: `session.run` time for model steps (summed over their runs), the step's work in the worker for the others. */
  ms: number[];
};

/** What one push to a gated pipeline answers. */
export interface PipelineChunk {
  /** The frames the gate let through (speech probability at least the threshold), in order, with their samples. */
  frames: GateFrame[];
  /** Frames of this chunk the gate dropped. */
  dropped: number;
  /** The VAD's speech `start` / `end` events, as `model.stream()` gives them. */
  events: StreamEvent[];
  /** Per step, in ms: the gate's work (resampling, framing, the VAD's runs), then each later step's. */
  ms: number[];
  /** What the steps after the gate made of the frames let through; absent when the gate is the only step. */
  value?: PipelineValue;
}

/** Where a pipeline's models live. */
export interface PipelineHost {
  /** The model's id in its runtime; throws when it is disposed or not the runtime's. */
  id(model: Composable, at: string): number;
  /** A worker that holds all these models: their handles there, and calls to it. */
  together(ids: number[]): { handles: number[]; call: WorkerCall };
}

export class Pipeline {
  /** The kind of each step, in order (as `ms` lists their times). */
  readonly kinds: readonly PipelineStepKind[];

  /** @internal Made by `runtime.pipeline()`. */
  constructor(
    private readonly host: PipelineHost,
    private readonly plan: PipelinePlan,
  ) {
    this.kinds = Object.freeze([...plan.kinds]);
  }

  /**
   * Runs every step in the worker. Takes feeds for the first model's inputs when a model comes first, or an image
   * (ImageData, ImageBitmap, Blob, a canvas or an `<img>`, as `predict()` does) when a pre or split step does.
   */
  async run(input: Record<string, unknown> | PredictInput): Promise<PipelineResult> {
    const { plan } = this;
    if (plan.takes === 'audio') throw new EdgeInferError('options-invalid', 'pipeline.run(): a pipeline that starts with a gate is fed PCM chunk by chunk: call pipeline.stream({ sampleRate })');
    let sent: PipelineInput;
    if (plan.takes === 'feeds') {
      const first = plan.first!;
      const tensors = validateFeeds(first.id, first.inputs, input);
      const feeds: Record<string, Tensor> = {};
      first.inputs.forEach((info, i) => setOwn(feeds, info.name, tensors[i]!));
      sent = { type: 'feeds', feeds };
    } else {
      if (!isImage(input)) throw new EdgeInferError('input-invalid', `pipeline.run(): step 1 (${plan.kinds[0]}) takes an image: ImageData, ImageBitmap, Blob, a canvas or an <img>, got ${shown(input)}`);
      sent = { type: 'image', image: await imageOf(input, 'pipeline') };
    }
    const { steps, call } = this.bind();
    const reply = await call((api) => api.runPipeline(steps, sent));
    return { ...publicValue(reply.value), ms: reply.ms };
  }

  /**
   * For a pipeline that starts with a gate: opens a stream of PCM at `sampleRate` (resampled in the worker to the
   * VAD's rate). Each push answers the speech frames let through and what the later steps made of them.
   */
  async stream(options: StreamOptions): Promise<PipelineStream> {
    const { sampleRate } = checkStreamOptions(options);
    const gate = this.plan.gate;
    if (!gate) throw new EdgeInferError('options-invalid', `pipeline.stream() needs a gate as step 1 ({ gate: vad }); this pipeline starts with ${this.plan.kinds[0]}: call run()`);
    const { gate: spec, steps, call } = this.bind();
    const id = await call((api) => api.pipelineOpen(spec!, steps, sampleRate));
    return new PipelineStream(call, id);
  }

  /** The steps with their models' handles in one worker that holds them all (each model must still be live), and calls to it. */
  private bind(): { gate?: GateSpec; steps: StepSpec[]; call: WorkerCall } {
    const { gate, steps } = this.plan;
    const offset = gate ? 2 : 1;
    const ids = steps.flatMap(({ model }, i) => (model ? [this.host.id(model, `step ${i + offset}`)] : []));
    if (gate) ids.unshift(this.host.id(gate.model, 'step 1'));
    const { handles, call } = this.host.together(ids);
    let next = 0;
    const handle = () => handles[next++]!;
    const gateSpec = gate && { ...gate.spec, handle: handle() };
    const specs = steps.map(({ model, spec }) => (model && spec.kind === 'model' ? { ...spec, handle: handle() } : spec));
    return { ...(gateSpec ? { gate: gateSpec } : {}), steps: specs, call };
  }
}

/** A gated pipeline fed chunk by chunk; the worker keeps the resampler, the VAD's frames and state, in order. */
export class PipelineStream {
  private closed = false;

  /** @internal Made by `pipeline.stream()`. */
  constructor(
    private readonly call: WorkerCall,
    private readonly id: number,
  ) {}

  /** Sends a chunk of mono PCM (any length); resolves with the speech frames it completed and the later steps' answer. */
  async push(pcm: Float32Array): Promise<PipelineChunk> {
    if (this.closed) throw new EdgeInferError('model-disposed', 'this pipeline stream was closed');
    if (!(pcm instanceof Float32Array)) throw new EdgeInferError('input-invalid', `pipeline stream push(): expected a Float32Array of PCM samples, got ${shown(pcm)}`);
    const reply: GateReply = await this.call((api) => api.pipelinePush(this.id, pcm));
    const { value, ...rest } = reply;
    return value ? { ...rest, value: publicValue(value) } : rest;
  }

  /** Starts over: no held-back samples, zero VAD state, frame 0. */
  async reset(): Promise<void> {
    if (!this.closed) await this.call((api) => api.pipelineReset(this.id));
  }

  /** Frees the worker's side; later pushes reject with `model-disposed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.call((api) => api.pipelineClose(this.id)).catch(() => undefined); // a worker that is gone has nothing to free
  }
}

function isImage(input: unknown): input is PredictInput {
  const is = (name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function' && input instanceof ((globalThis as Record<string, unknown>)[name] as new () => unknown);
  return ['ImageData', 'ImageBitmap', 'Blob', 'HTMLCanvasElement', 'OffscreenCanvas', 'HTMLImageElement'].some(is);
}

/** The worker's value with images as ImageData (a split's pieces arrive as plain pixels). */
function publicValue(value: StepValue): PipelineValue {
  if (value.type === 'list') return { type: 'list', items: value.items.map(publicItem) };
  return publicItem(value);
}

function publicItem(item: StepItem): PipelineItem {
  if (item.type !== 'image') return item;
  const { width, height, data } = item.image;
  return { type: 'image', image: item.image instanceof ImageData ? item.image : new ImageData(new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset, data.length), width, height) };
}
