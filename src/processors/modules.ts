// The contract of custom processors (`{ type: 'module', url, options }`): what a module exports, what the worker
// gives it and what it must give back. The worker checks each answer and names the field that is wrong.
import type { Tensor, TypedArray, ValueInfo } from '../tensor.js';
import type { ClassScore } from './spec.js';

/** The model's inputs and outputs, as a module's function sees them. */
export interface ProcessorSignature {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** A model input as a pre module may give it: a typed array (dims inferred as `run()` does) or `{ data, dims }`. */
export type PreFeed = TypedArray | { readonly data: TypedArray; readonly dims: readonly number[] };

/**
 * A pre module: `export function pre(input, options, signature)`. `input` is what the app passed to `predict()` (a
 * structured clone of it; a canvas or an `<img>` arrives as an ImageBitmap), `options` the processor's `options`.
 * It returns (or resolves to) a value for every model input, checked like `run()`'s feeds. Throw an Error whose
 * `code` is `'input-invalid'` to reject the app's input; anything else thrown counts as the module failing.
 */
export interface PreModule<Input = unknown, Options = Record<string, unknown>> {
  pre(input: Input, options: Options, signature: ProcessorSignature): Record<string, PreFeed> | Promise<Record<string, PreFeed>>;
}

/** What a post module answers: a class, values, or any other structured-cloneable value as `custom`. */
export type PostAnswer =
  | ({ type: 'classes' } & ClassScore & { topK: ClassScore[] })
  | { type: 'values'; values: number[] }
  | { type: 'custom'; value: unknown };

/**
 * A post module: `export function post(outputs, options, signature)`. `outputs` hold one item (first dimension 1:
 * one row of a batch of rows or of a split image's pieces), as the model made them.
 */
export interface PostModule<Options = Record<string, unknown>> {
  post(outputs: Record<string, Tensor>, options: Options, signature: ProcessorSignature): PostAnswer | Promise<PostAnswer>;
}
