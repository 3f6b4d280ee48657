// What `model.predict()` sends to the worker, by the model's pre-processor: an image goes as it is (ImageData,
// ImageBitmap and Blob are structured clones; a canvas or an <img> becomes an ImageBitmap first, since neither can
// cross to a worker), rows are read and checked here, and a custom module's input goes as it is.
import { EdgeInferError, shown } from '../errors.js';
import { rowsOf, rowWidth, type TabularRow } from '../processors/rows.js';
import type { Processors } from '../processors/spec.js';
import type { ImageInput } from '../rpc/protocol.js';
import type { ValueInfo } from '../tensor.js';
import type { PredictPayload, PredictRequest } from '../worker/predict.js';

export type { TabularRow } from '../processors/rows.js';

/** An image `predict()` takes: pixels, an encoded image, or something the browser can draw. */
export type ImageSource = ImageData | ImageBitmap | Blob | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement;

/**
 * What `predict()` takes, by the model's pre-processor: an image (`image`), a row or an array of rows (`tabular`),
 * or any structured-cloneable value for a custom `module` pre-processor.
 */
export type PredictInput = ImageSource | TabularRow | readonly TabularRow[] | string | ArrayBuffer | ArrayBufferView | Readonly<Record<string, unknown>> | readonly unknown[];

/** The model as predict() reads it. */
interface Predicting {
  id: string;
  inputs: readonly ValueInfo[];
  processors: Processors | undefined;
}

/** The input as the worker gets it; options-invalid when the model has no pre-processor predict() can use. */
export async function payloadOf(input: PredictInput, model: Predicting): Promise<PredictPayload> {
  const { id } = model;
  const pre = model.processors?.pre;
  if (pre?.type === 'image') return imageOf(input, id);
  if (pre?.type === 'tabular') return rowsOf(input, pre, rowWidth(pre, model.inputs.find((i) => i.name === pre.input))!, id);
  if (pre?.type === 'module') {
    if (is(input, 'HTMLCanvasElement') || is(input, 'OffscreenCanvas') || is(input, 'HTMLImageElement')) return imageOf(input, id);
    if (!cloneable(input)) throw new EdgeInferError('input-invalid', `predict() on model "${id}": a module pre-processor takes a value that can be copied to the worker (structured clone), got ${shown(input)}`, { model: id });
    return { kind: 'value', value: input };
  }
  throw new EdgeInferError('options-invalid', `predict(): model "${id}" has no pre-processor for predict()${pre ? ' (its audio one is for stream())' : ': give its manifest entry "pre", or load it with { processors: { pre } }'}`, { model: id });
}

const is = (input: unknown, name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function' && input instanceof ((globalThis as Record<string, unknown>)[name] as new () => unknown);

export async function imageOf(input: unknown, id: string): Promise<ImageInput> {
  if (is(input, 'ImageData') || is(input, 'ImageBitmap') || is(input, 'Blob')) return input as ImageInput;
  if (is(input, 'HTMLCanvasElement') || is(input, 'OffscreenCanvas') || is(input, 'HTMLImageElement')) {
    try {
      return await createImageBitmap(input as HTMLCanvasElement);
    } catch (error) {
      throw new EdgeInferError('input-invalid', `predict() on model "${id}": the image cannot be read (${(error as Error).name}: an <img> not loaded yet, or a canvas of size 0?)`, { model: id });
    }
  }
  throw new EdgeInferError('input-invalid', `predict() on model "${id}": expected ImageData, ImageBitmap, Blob, a canvas or an <img>, got ${shown(input)}`, { model: id });
}

/** Whether postMessage can copy `value`; plain objects and arrays are tried (they may hold a function). */
function cloneable(value: unknown): boolean {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
  if (typeof value !== 'object' || value === null || !(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export interface PredictOptions {
  /** How many classes `topK` lists, for a classes post-processor. @defaultValue the processor's `topK` */
  topK?: number;
  /**
   * `'columns'`: cut the image into the runs of columns with ink (e.g. a written number into its digits), answer
   * each piece (pre-processed alone, all run as one batch) and join their labels: `{ type: 'sequence', text, items }`.
   * Image pre-processors only; the model's input needs a free first dimension.
   */
  split?: 'columns';
  /** For `split`: blank columns that still join two runs. @defaultValue 2 */
  minGap?: number;
}

/** Checks predict()'s options against the model; what goes to the worker. */
export function predictRequest(options: unknown, model: { id: string; inputs: readonly ValueInfo[]; processors?: Processors | undefined }): PredictRequest {
  const { topK, split, minGap } = (options ?? {}) as PredictOptions;
  const whole = (n: unknown, min: number) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= min);
  if (typeof options !== 'object' || options === null || !whole(topK, 1) || !whole(minGap, 0) || (split !== undefined && split !== 'columns')) {
    throw new EdgeInferError('options-invalid', `predict() options must be { topK?: an integer >= 1, split?: 'columns', minGap?: an integer >= 0 }, got ${shown(options)}`);
  }
  const pre = model.processors?.pre;
  if (split && pre && pre.type !== 'image') {
    throw new EdgeInferError('options-invalid', `predict(): split cuts an image, but model "${model.id}" has a ${pre.type} pre-processor`, { model: model.id });
  }
  if (split && typeof model.inputs[0]?.dims?.[0] === 'number') {
    throw new EdgeInferError('options-invalid', `predict(): split runs the pieces as one batch, but model "${model.id}" has a fixed first dimension`, { model: model.id });
  }
  return { ...(topK !== undefined ? { topK } : {}), ...(split ? { split } : {}), ...(minGap !== undefined ? { minGap } : {}) };
}
