// `model.predict()` in the worker: an image decoded here, turned into the model's input by the pre-processor, run
// like any other run, and read by the post-processor. Processors are checked against the model when it loads.
import { EdgeInferError } from '../errors.js';
import type { ImagePre, Processors } from '../processors/spec.js';
import type { ImageInput, LoadRequest, PredictReply, RunReply } from '../rpc/protocol.js';
import type { RunTap } from '../rpc/run-port.js';
import type { Tensor, ValueInfo } from '../tensor.js';
import { imageTensor, splitColumns, type Pixels } from './processors/image.js';
import { postProcess } from './processors/post.js';

/** Throws when the processors do not fit the model: `options-invalid` for the app's, `manifest-invalid` for the manifest's. */
export function checkFits(processors: Processors, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], id: string, fromManifest: boolean): void {
  const where = fromManifest ? `the manifest entry of model "${id}"` : `load() option processors of model "${id}"`;
  const fail = (what: string): never => {
    throw new EdgeInferError(fromManifest ? 'manifest-invalid' : 'options-invalid', `${where}: ${what}`, { model: id });
  };
  const { pre, post } = processors;
  const names = (list: readonly ValueInfo[]) => list.map((v) => v.name).join(', ');
  const input = (name: string, at: string) => inputs.find((i) => i.name === name) ?? fail(`${at} "${name}" is not an input of the model (it has ${names(inputs)})`);
  if (pre?.type === 'image') {
    const info = input(pre.input, 'pre.input');
    if (inputs.length > 1) fail(`pre fills one input, but the model has ${inputs.length} (${names(inputs)})`);
    if (info.dtype !== 'float32') fail(`pre makes float32, but input "${pre.input}" is ${info.dtype}`);
    const dims = shapeOf(pre);
    const want = info.dims;
    if (want && (want.length !== dims.length || want.some((d, i) => typeof d === 'number' && d !== dims[i]))) {
      fail(`pre makes [${dims.join(', ')}] (${pre.layout}, ${pre.channels}, ${pre.width}×${pre.height}), but input "${pre.input}" is [${want.join(', ')}]`);
    }
  }
  if (pre?.type === 'audio') {
    if (input(pre.input, 'pre.input').dtype !== 'float32') fail(`pre.input "${pre.input}" must be float32`);
    const filled = [pre.input, ...Object.keys(pre.constants ?? {})];
    if (pre.state) {
      filled.push(input(pre.state.input, 'pre.state.input').name);
      if (!outputs.some((o) => o.name === pre.state!.output)) fail(`pre.state.output "${pre.state.output}" is not an output of the model (it has ${names(outputs)})`);
    }
    for (const name of Object.keys(pre.constants ?? {})) input(name, 'pre.constants');
    const left = inputs.filter((i) => !filled.includes(i.name));
    if (left.length > 0) fail(`pre leaves input(s) ${names(left)} without a value: name them in pre.state or pre.constants`);
  }
  if (post && !outputs.some((o) => o.name === post.output)) fail(`post.output "${post.output}" is not an output of the model (it has ${names(outputs)})`);
}

function shapeOf(pre: ImagePre): number[] {
  const c = pre.channels === 'rgb' ? 3 : 1;
  return pre.layout === 'nchw' ? [1, c, pre.height, pre.width] : pre.layout === 'nhwc' ? [1, pre.height, pre.width, c] : [1, pre.width * pre.height * c];
}

/** Checks processors at load; the session is released before a misfit fails the load. */
export async function fitOrRelease(processors: Processors, signature: { inputs: ValueInfo[]; outputs: ValueInfo[] }, request: LoadRequest, release: () => Promise<void>): Promise<void> {
  try {
    checkFits(processors, signature.inputs, signature.outputs, request.id, !request.processors);
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

/** Pre-processes an image, runs it like any run (watched by the monitor and rollout), post-processes the outputs. */
export async function predictOn(entry: Predicting, input: ImageInput, options: PredictRequest, run: (feeds: Record<string, Tensor>) => Promise<RunReply>): Promise<PredictReply> {
  const pre = entry.processors?.pre;
  if (pre?.type !== 'image') throw new EdgeInferError('options-invalid', `predict(): model "${entry.id}" has no image pre-processor${pre ? ' (its audio one is for model.stream())' : ''}`, { model: entry.id });
  const pixels = await pixelsOf(input, entry.id);
  // Split: each piece is pre-processed alone, and all of them run as one batch (rows on the first dimension).
  const pieces = options.split ? splitColumns(pixels, pre.threshold ?? 20, pre.invert === true, options.minGap ?? 2) : [pixels];
  if (pieces.length === 0) return { prediction: { type: 'sequence', text: '', items: [] }, inferenceMs: 0 };
  const tensors = pieces.map((p) => imageTensor(p, pre));
  const dims = [pieces.length, ...tensors[0]!.dims.slice(1)];
  const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
  tensors.reduce((at, t) => (data.set(t.data, at), at + t.data.length), 0);
  const feeds: Record<string, Tensor> = { [pre.input]: { dtype: 'float32', dims, data } };
  let reply: RunReply;
  try {
    reply = await run(feeds);
  } catch (error) {
    entry.tap?.fail();
    throw error;
  }
  entry.tap?.capture(feeds, reply.outputs, reply.inferenceMs);
  setTimeout(() => entry.tap?.drain(), 0); // after the answer has left
  const post = entry.processors!.post;
  const read = (row: number) => postProcess(reply.outputs, post?.type === 'classes' && options.topK !== undefined ? { ...post, topK: options.topK } : post, row);
  if (!options.split) return { prediction: read(0), inferenceMs: reply.inferenceMs };
  const items = pieces.map((_, row) => read(row));
  const text = items.map((p) => (p.type === 'classes' ? p.label : '?')).join('');
  return { prediction: { type: 'sequence', text, items }, inferenceMs: reply.inferenceMs };
}

/** What a predict() call asks beyond the image (see `PredictOptions`). */
export interface PredictRequest {
  topK?: number;
  split?: 'columns';
  minGap?: number;
}

async function pixelsOf(input: ImageInput, id: string): Promise<Pixels> {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return input;
  let bitmap: ImageBitmap;
  try {
    bitmap = input instanceof Blob ? await createImageBitmap(input) : (input as ImageBitmap);
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
