// `model.predict()` in the worker: the pre-processor makes the model's input (an image decoded and fitted, rows
// standardized, or a custom module's feeds), it runs like any other run, and the post-processor reads each item.
// Processors are checked against the model, and custom modules imported, when it loads (processors/fits.ts).
import { EdgeInferError } from '../errors.js';
import type { Rows } from '../processors/rows.js';
import { rowWidth } from '../processors/rows.js';
import type { Prediction, Processors, TabularPre } from '../processors/spec.js';
import type { ImageInput, LoadRequest, PredictReply, RunReply } from '../rpc/protocol.js';
import type { RunTap } from '../rpc/run-port.js';
import type { Tensor, ValueInfo } from '../tensor.js';
import { checkFits, importModules, type Prepared } from './processors/fits.js';
import { imageTensor, splitColumns, type Pixels } from './processors/image.js';
import { callPost, callPre } from './processors/modules.js';
import { itemOutputs, postProcess } from './processors/post.js';
import { standardize } from './processors/tabular.js';

export { checkFits } from './processors/fits.js';

/** What predict() sends to the worker: an image, rows for a tabular pre-processor, the app's value for a module one. */
export type PredictPayload = ImageInput | Rows | { kind: 'value'; value: unknown };

/** What a predict() call asks beyond the input (see `PredictOptions`). */
export interface PredictRequest {
  topK?: number;
  split?: 'columns';
  minGap?: number;
}

/** Signatures and imported modules of loaded processors, by the processors object the engine keeps for the model. */
const prepared = new WeakMap<Processors, Prepared>();

/**
 * Checks processors against the model and imports their modules at load; the session is released before a misfit
 * or a module that fails fails the load. `allowed`: the runtime's allowedOrigins (undefined: the page's origin only).
 */
export async function fitOrRelease(processors: Processors, signature: { inputs: ValueInfo[]; outputs: ValueInfo[] }, request: LoadRequest, release: () => Promise<void>, allowed?: readonly string[]): Promise<void> {
  try {
    checkFits(processors, signature.inputs, signature.outputs, request.id, !request.processors);
    prepared.set(processors, await importModules(processors, { inputs: signature.inputs, outputs: signature.outputs }, request, allowed));
  } catch (error) {
    await release();
    throw error;
  }
}

/** A loaded model as predict() needs it: its processors, and what watches its runs. */
interface Predicting {
  id: string;
  processors?: Processors;
  tap?: RunTap;
}

/** One session.run of a predict() call and the items (rows of its outputs) it answers. */
interface Batch {
  feeds: Record<string, Tensor>;
  items: number;
}

/** Pre-processes the input, runs it like any run (watched by the monitor and rollout), post-processes each item. */
export async function predictOn(entry: Predicting, input: PredictPayload, options: PredictRequest, run: (feeds: Record<string, Tensor>) => Promise<RunReply>): Promise<PredictReply> {
  const { id, processors } = entry;
  const pre = processors?.pre;
  const ready = processors && prepared.get(processors);
  if (!pre || pre.type === 'audio' || !ready) throw new EdgeInferError('options-invalid', `predict(): model "${id}" has no pre-processor for predict()${pre?.type === 'audio' ? ' (its audio one is for model.stream())' : ''}`, { model: id });
  let batches: Batch[];
  let wrap: ((items: Prediction[]) => Prediction) | undefined;
  if (pre.type === 'image') {
    const pixels = await pixelsOf(input, id);
    // Split: each piece is pre-processed alone, and all of them run as one batch (rows on the first dimension).
    const pieces = options.split ? splitColumns(pixels, pre.threshold ?? 20, pre.invert === true, options.minGap ?? 2) : [pixels];
    if (pieces.length === 0) return { prediction: { type: 'sequence', text: '', items: [] }, inferenceMs: 0 };
    const tensors = pieces.map((p) => imageTensor(p, pre));
    const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
    tensors.reduce((at, t) => (data.set(t.data, at), at + t.data.length), 0);
    batches = [{ feeds: { [pre.input]: { dtype: 'float32', dims: [pieces.length, ...tensors[0]!.dims.slice(1)], data } }, items: pieces.length }];
    if (options.split) wrap = (items) => ({ type: 'sequence', text: items.map((p) => (p.type === 'classes' ? p.label : '?')).join(''), items });
  } else if (pre.type === 'tabular') {
    const rows = rowsIn(input, pre, ready, id);
    batches = tabularBatches(rows, pre, ready);
    if (rows.many) wrap = (items) => ({ type: 'rows', items });
  } else {
    const value = (input as { kind?: unknown; value?: unknown }).kind === 'value' ? (input as { value: unknown }).value : input;
    batches = [{ feeds: await callPre(ready.pre!, value, ready.signature, id), items: 1 }];
  }
  const answers: Prediction[] = [];
  let inferenceMs = 0;
  for (const batch of batches) {
    const reply = await watched(entry, batch.feeds, run);
    inferenceMs += reply.inferenceMs;
    for (let row = 0; row < batch.items; row++) answers.push(await answer(entry, ready, reply.outputs, row, batch.items, options));
  }
  return { prediction: wrap ? wrap(answers) : answers[0]!, inferenceMs };
}

async function watched(entry: Predicting, feeds: Record<string, Tensor>, run: (feeds: Record<string, Tensor>) => Promise<RunReply>): Promise<RunReply> {
  let reply: RunReply;
  try {
    reply = await run(feeds);
  } catch (error) {
    entry.tap?.fail();
    throw error;
  }
  entry.tap?.capture(feeds, reply.outputs, reply.inferenceMs);
  setTimeout(() => entry.tap?.drain(), 0); // after the answer has left
  return reply;
}

async function answer(entry: Predicting, ready: Prepared, outputs: Record<string, Tensor>, row: number, count: number, options: PredictRequest): Promise<Prediction> {
  const post = entry.processors!.post;
  if (post?.type === 'module') return callPost(ready.post!, itemOutputs(outputs, row, count), ready.signature, entry.id);
  return postProcess(outputs, post?.type === 'classes' && options.topK !== undefined ? { ...post, topK: options.topK } : post, row);
}

/** The rows the calling thread read (processors/rows.ts), checked again: the worker trusts no message. */
function rowsIn(input: PredictPayload, pre: TabularPre, ready: Prepared, id: string): Rows {
  const width = rowWidth(pre, ready.signature.inputs.find((i) => i.name === pre.input))!;
  const rows = input as Partial<Rows>;
  if (rows.kind !== 'rows' || !(rows.data instanceof Float64Array) || !Number.isSafeInteger(rows.count) || rows.count! < 1 || rows.data.length !== rows.count! * width) {
    throw new EdgeInferError('input-invalid', `predict() on model "${id}": expected rows of ${width} values`, { model: id });
  }
  return rows as Rows;
}

/** One batch of every row when the input's first dimension is free, else one run per row. */
function tabularBatches(rows: Rows, pre: TabularPre, ready: Prepared): Batch[] {
  const info = ready.signature.inputs.find((i) => i.name === pre.input)!;
  const width = rows.data.length / rows.count;
  const data = standardize(rows.data, width, pre);
  const dims = info.dims;
  if (!dims || (dims.length === 2 && typeof dims[0] !== 'number')) return [{ feeds: { [pre.input]: { dtype: 'float32', dims: [rows.count, width], data } }, items: rows.count }];
  const shape = dims.length === 1 ? [width] : [1, width];
  return Array.from({ length: rows.count }, (_, r) => ({ feeds: { [pre.input]: { dtype: 'float32', dims: shape, data: data.slice(r * width, (r + 1) * width) } }, items: 1 }));
}

async function pixelsOf(input: PredictPayload, id: string): Promise<Pixels> {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return input;
  if (!(input instanceof Blob) && !(typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap)) {
    throw new EdgeInferError('input-invalid', `predict() on model "${id}": expected an image (ImageData, ImageBitmap or Blob)`, { model: id });
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = input instanceof Blob ? await createImageBitmap(input) : input;
  } catch (error) {
    throw new EdgeInferError('input-invalid', `predict() on model "${id}": the Blob is not an image this browser can decode (${(error as Error).name})`, { model: id });
  }
  if (bitmap.width === 0 || bitmap.height === 0) throw new EdgeInferError('input-invalid', `predict() on model "${id}": the image is empty (0 × 0, or a closed ImageBitmap)`, { model: id });
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  if (input instanceof Blob) bitmap.close();
  return context.getImageData(0, 0, width, height);
}
