// What `model.predict()` sends to the worker: ImageData, ImageBitmap and Blob go as they are (structured clones);
// a canvas or an <img> becomes an ImageBitmap first, since neither can cross to a worker.
import { EdgeInferError, shown } from '../errors.js';
import type { ImageInput } from '../rpc/protocol.js';

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
