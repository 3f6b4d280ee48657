// What `model.predict()` sends to the worker: ImageData, ImageBitmap and Blob go as they are (structured clones);
// a canvas or an <img> becomes an ImageBitmap first, since neither can cross to a worker.
import { EdgeInferError, shown } from '../errors.js';
import type { ImageInput } from '../rpc/protocol.js';
import type { ValueInfo } from '../tensor.js';
import type { PredictRequest } from '../worker/predict.js';

/** What `predict()` takes: pixels, an encoded image, or something the browser can draw. */
export type PredictInput = ImageData | ImageBitmap | Blob | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement;

export async function imageOf(input: PredictInput, id: string): Promise<ImageInput> {
  const is = (name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function' && input instanceof ((globalThis as Record<string, unknown>)[name] as new () => unknown);
  if (is('ImageData') || is('ImageBitmap') || is('Blob')) return input as ImageInput;
  if (is('HTMLCanvasElement') || is('OffscreenCanvas') || is('HTMLImageElement')) {
    try {
      return await createImageBitmap(input as HTMLCanvasElement);
    } catch (error) {
      throw new EdgeInferError('input-invalid', `predict() on model "${id}": the image cannot be read (${(error as Error).name}: an <img> not loaded yet, or a canvas of size 0?)`, { model: id });
    }
  }
  throw new EdgeInferError('input-invalid', `predict() on model "${id}": expected ImageData, ImageBitmap, Blob, a canvas or an <img>, got ${shown(input)}`, { model: id });
}

export interface PredictOptions {
  /** How many classes `topK` lists, for a classes post-processor. @defaultValue the processor's `topK` */
  topK?: number;
  /**
   * `'columns'`: cut the image into the runs of columns with ink (e.g. a written number into its digits), answer
   * each piece (pre-processed alone, all run as one batch) and join their labels: `{ type: 'sequence', text, items }`.
   * The model's input needs a free first dimension.
   */
  split?: 'columns';
  /** For `split`: blank columns that still join two runs. @defaultValue 2 */
  minGap?: number;
}

/** Checks predict()'s options against the model; what goes to the worker. */
export function predictRequest(options: unknown, model: { id: string; inputs: readonly ValueInfo[] }): PredictRequest {
  const { topK, split, minGap } = (options ?? {}) as PredictOptions;
  const whole = (n: unknown, min: number) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= min);
  if (typeof options !== 'object' || options === null || !whole(topK, 1) || !whole(minGap, 0) || (split !== undefined && split !== 'columns')) {
    throw new EdgeInferError('options-invalid', `predict() options must be { topK?: an integer >= 1, split?: 'columns', minGap?: an integer >= 0 }, got ${shown(options)}`);
  }
  if (split && typeof model.inputs[0]?.dims?.[0] === 'number') {
    throw new EdgeInferError('options-invalid', `predict(): split runs the pieces as one batch, but model "${model.id}" has a fixed first dimension`, { model: model.id });
  }
  return { ...(topK !== undefined ? { topK } : {}), ...(split ? { split } : {}), ...(minGap !== undefined ? { minGap } : {}) };
}
