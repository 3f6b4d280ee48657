// A pipeline in the worker: steps (models, processors, a split, a join) run one after another on one value, and a
// step marked `each` runs once per item of the list the step before made; a model step does so in one batched
// session.run when the model has a free first dimension. What the steps take and give was checked when the pipeline
// was made (serving/pipeline-plan.ts), so the casts here hold.
import { EdgeInferError } from '../errors.js';
import type { ClassesPost, ImagePre, Prediction, ValuesPost } from '../processors/spec.js';
import type { RunReply } from '../rpc/protocol.js';
import { setOwn } from '../own.js';
import type { Tensor, TypedArray } from '../tensor.js';
import { imageTensor, splitColumns, type Pixels } from './processors/image.js';
import { postProcess } from './processors/post.js';

type Feeds = Record<string, Tensor>;
export type Run = (handle: number, feeds: Feeds) => Promise<RunReply>;

/** A step as the worker runs it (made from a `PipelineStep` by the main thread). */
export type StepSpec =
  /** `inputs`: for each input, the output of the step before that feeds it (empty for a first step: your feeds). */
  | { kind: 'model'; handle: number; inputs: Record<string, string>; each: boolean; batch: boolean }
  | { kind: 'pre'; pre: ImagePre; each: boolean }
  | { kind: 'split'; threshold: number; invert: boolean; minGap: number }
  | { kind: 'post'; post: ClassesPost | ValuesPost; each: boolean }
  | { kind: 'join'; separator: string };

/** A frame of speech a gate let through: its new samples at the VAD's rate. */
export interface GateFrame {
  /** Frames since the stream opened or was reset (dropped ones counted). */
  index: number;
  /** Where the frame ends, in ms of the stream's audio. */
  endMs: number;
  /** The VAD's speech probability for the frame. */
  score: number;
  samples: Float32Array;
}

/** One thing a step makes. */
export type StepItem =
  | { type: 'outputs'; outputs: Feeds }
  | { type: 'prediction'; prediction: Prediction }
  | { type: 'image'; image: Pixels }
  | { type: 'audio'; frame: GateFrame };

/** What flows from step to step, and what the last one answers: one item, or a list (after a split or a gate). */
export type StepValue = StepItem | { type: 'list'; items: StepItem[] };

/** What `pipeline.run()` sends: feeds for a model first, or an image for a processor first. */
export type PipelineInput = { type: 'feeds'; feeds: Feeds } | { type: 'image'; image: ImageData | ImageBitmap | Blob };

export interface PipelineReply {
  value: StepValue;
  /** Per step, in ms: `session.run` time for a model step (summed over its runs), the step's work for the others. */
  ms: number[];
}

export async function runPipeline(steps: readonly StepSpec[], input: PipelineInput, run: Run): Promise<PipelineReply> {
  const first: StepValue = input.type === 'feeds' ? { type: 'outputs', outputs: input.feeds } : { type: 'image', image: await pixelsOf(input.image) };
  return runSteps(steps, first, run);
}

/** Runs `steps` on `value`, in order. */
export async function runSteps(steps: readonly StepSpec[], value: StepValue, run: Run): Promise<PipelineReply> {
  const ms: number[] = [];
  for (const step of steps) {
    const start = performance.now();
    if (step.kind === 'model') {
      const { value: next, runMs } = await runModel(step, value, run);
      value = next;
      ms.push(runMs);
      continue;
    }
    value = processStep(step, value);
    ms.push(performance.now() - start);
  }
  return { value, ms };
}

function processStep(step: Exclude<StepSpec, { kind: 'model' }>, value: StepValue): StepValue {
  switch (step.kind) {
    case 'split': {
      const pieces = splitColumns(itemOf(value, 'image').image, step.threshold, step.invert, step.minGap);
      return { type: 'list', items: pieces.map((image) => ({ type: 'image', image })) };
    }
    case 'pre':
      return mapItems(value, step.each, (item) => {
        const { data, dims } = imageTensor(as(item, 'image').image, step.pre);
        return { type: 'outputs', outputs: own({ [step.pre.input]: { dtype: 'float32', dims, data } }) };
      });
    case 'post':
      return mapItems(value, step.each, (item) => ({ type: 'prediction', prediction: postProcess(as(item, 'outputs').outputs, step.post) }));
    case 'join': {
      // As predict(image, { split }) answers: each item's label, '?' for an answer without one.
      const items = (value as { items: StepItem[] }).items.map((item) => as(item, 'prediction').prediction);
      const text = items.map((p) => (p.type === 'classes' ? p.label : '?')).join(step.separator);
      return { type: 'prediction', prediction: { type: 'sequence', text, items } };
    }
  }
}

async function runModel(step: Extract<StepSpec, { kind: 'model' }>, value: StepValue, run: Run): Promise<{ value: StepValue; runMs: number }> {
  if (!step.each) {
    const reply = await run(step.handle, feedsFor(step, itemOf(value, 'outputs', 'audio')));
    return { value: { type: 'outputs', outputs: reply.outputs }, runMs: reply.inferenceMs };
  }
  const items = (value as { items: StepItem[] }).items.map((item) => feedsFor(step, item));
  if (items.length === 0) return { value: { type: 'list', items: [] }, runMs: 0 };
  if (!step.batch) {
    const out: StepItem[] = [];
    let runMs = 0;
    for (const feeds of items) {
      const reply = await run(step.handle, feeds);
      out.push({ type: 'outputs', outputs: reply.outputs });
      runMs += reply.inferenceMs;
    }
    return { value: { type: 'list', items: out }, runMs };
  }
  const rows = items.map((feeds) => rowsOf(Object.values(feeds)[0]!));
  const reply = await run(step.handle, concatRows(items));
  return { value: { type: 'list', items: splitRows(reply.outputs, rows).map((outputs) => ({ type: 'outputs', outputs })) }, runMs: reply.inferenceMs };
}

/** A model step's feeds from what the step before made: its outputs renamed as the step says (a gate's frame is `samples`). */
function feedsFor(step: Extract<StepSpec, { kind: 'model' }>, item: StepItem): Feeds {
  const made = item.type === 'audio' ? { samples: { dtype: 'float32', dims: [1, item.frame.samples.length], data: item.frame.samples } as Tensor } : as(item, 'outputs').outputs;
  const names = Object.entries(step.inputs);
  if (names.length === 0) return made;
  const feeds: Feeds = {};
  for (const [input, from] of names) setOwn(feeds, input, made[from]!);
  return feeds;
}

/** Feeds of several items stacked on the first dimension, input by input (their other dims are equal: checked when made). */
export function concatRows(items: readonly Feeds[]): Feeds {
  const out: Feeds = {};
  for (const name of Object.keys(items[0]!)) {
    const parts = items.map((feeds) => feeds[name]!);
    const first = parts[0]!;
    for (const p of parts) {
      if (p.dtype !== first.dtype || p.dims.length !== first.dims.length || p.dims.some((d, i) => i > 0 && d !== first.dims[i])) {
        throw new EdgeInferError('input-shape', `pipeline: the items for input "${name}" differ ([${p.dims.join(', ')}] ${p.dtype} against [${first.dims.join(', ')}] ${first.dtype}), so they cannot run as one batch`, { input: name });
      }
    }
    const data = new (first.data.constructor as new (n: number) => TypedArray)(parts.reduce((n, p) => n + p.data.length, 0));
    parts.reduce((at, p) => (data.set(p.data as never, at), at + p.data.length), 0);
    setOwn<Tensor>(out, name, { dtype: first.dtype, dims: [parts.reduce((n, p) => n + rowsOf(p), 0), ...first.dims.slice(1)], data });
  }
  return out;
}

/** A batched run's outputs cut back into one set per item, `rows[i]` rows each. */
export function splitRows(outputs: Feeds, rows: readonly number[]): Feeds[] {
  const total = rows.reduce((a, b) => a + b, 0);
  const sets = rows.map(() => ({}) as Feeds);
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims[0] !== total) {
      throw new EdgeInferError('inference-failed', `pipeline: output "${name}" has ${t.dims[0] ?? 'no'} rows for ${total} rows of input, so it cannot be cut back into items`, { output: name });
    }
    const width = t.data.length / total;
    let at = 0;
    rows.forEach((n, i) => {
      setOwn<Tensor>(sets[i]!, name, { dtype: t.dtype, dims: [n, ...t.dims.slice(1)], data: t.data.slice(at * width, (at + n) * width) });
      at += n;
    });
  }
  return sets;
}

const rowsOf = (t: Tensor) => t.dims[0] ?? 1;

function mapItems(value: StepValue, each: boolean, f: (item: StepItem) => StepItem): StepValue {
  return each ? { type: 'list', items: (value as { items: StepItem[] }).items.map(f) } : f(value as StepItem);
}

function itemOf<K extends StepItem['type']>(value: StepValue, ...types: K[]): Extract<StepItem, { type: K }> {
  if (!types.includes(value.type as K)) throw new EdgeInferError('inference-failed', `pipeline: a step got ${value.type}, expected ${types.join(' or ')}`);
  return value as Extract<StepItem, { type: K }>;
}

const as = <K extends StepItem['type']>(item: StepItem, type: K) => itemOf(item, type);

function own(record: Feeds): Feeds {
  const out: Feeds = {};
  for (const [k, v] of Object.entries(record)) setOwn(out, k, v);
  return out;
}

/**
 * The pixels of an image sent to the worker. The same reading as predict()'s (composited on an OffscreenCanvas), with
 * errors that name the pipeline.
 */
async function pixelsOf(input: ImageData | ImageBitmap | Blob): Promise<Pixels> {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return input;
  let bitmap: ImageBitmap;
  try {
    bitmap = input instanceof Blob ? await createImageBitmap(input) : (input as ImageBitmap);
  } catch (error) {
    throw new EdgeInferError('input-invalid', `pipeline.run(): the Blob is not an image this browser can decode (${(error as Error).name})`);
  }
  if (bitmap.width === 0 || bitmap.height === 0) throw new EdgeInferError('input-invalid', 'pipeline.run(): the image is empty (0 × 0, or a closed ImageBitmap)');
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  if (input instanceof Blob) bitmap.close();
  return context.getImageData(0, 0, width, height);
}
