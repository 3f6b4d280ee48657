// The model bytes of each form the int8 bench compares. Bundled variants (models/<id>/model.int8-<mode>.onnx) are
// fetched as shipped; forms without a bundled file are made on the page from the fp32 model, with the SDK's own
// quantizer (it runs in a browser too) or, for int8-nbits, the bench-only MatMulNBits writer.
import { quantize } from '../../src/tools/quantize/quantize.js';
import type { QuantizeOptions } from '../../src/tools/quantize/options.js';
import { matMulNBits8 } from './int8-nbits.js';

/**
 * - `fp32`: the model as trained.
 * - `int8-dynamic`: int8 weights, DynamicQuantizeLinear + MatMulInteger (the WASM form).
 * - `int8-weights`: int8 weights expanded by Cast + Mul, which onnxruntime folds to float32 at load (the WebGPU form).
 * - `int8-weights-run`: int8 weights expanded by DequantizeLinear at every run (`--expand run`).
 * - `int8-nbits`: com.microsoft MatMulNBits, bits 8, block 32, accuracy_level 4 (measurement only).
 */
export const FORMS = ['fp32', 'int8-dynamic', 'int8-weights', 'int8-weights-run', 'int8-nbits'] as const;
export type Form = (typeof FORMS)[number];

/** Models whose int8 files ship in models/<id>/ (built by `npm run models`). */
const BUNDLED: Record<string, readonly Form[]> = {
  digits: ['int8-dynamic', 'int8-weights'],
  forecast: ['int8-dynamic', 'int8-weights'],
  vad: ['int8-dynamic', 'int8-weights'],
};
/** The fp32 file of each bench model. `large` is bench/large-model.mjs's ~13 MB two-MatMul model. */
const FP32_URL: Record<string, string> = {
  digits: '/models/digits/model.onnx',
  forecast: '/models/forecast/model.onnx',
  vad: '/models/vad/model.onnx',
  large: '/bench/fixtures/large.onnx',
};
/** What `npm run models` quantizes with (models/int8/variants.mjs), so a made form matches a bundled one. */
const QUANTIZE: Partial<Record<Form, QuantizeOptions>> = {
  'int8-dynamic': { mode: 'dynamic', compactNames: true },
  'int8-weights': { mode: 'weights', compactNames: true },
  'int8-weights-run': { mode: 'weights', expand: 'run', compactNames: true },
};

export function isForm(name: string): name is Form {
  return (FORMS as readonly string[]).includes(name);
}

/** The URL of a shipped file for this form, or undefined when the bench makes it on the page. */
export function formUrl(model: string, form: Form): string | undefined {
  if (form === 'fp32') return fp32Url(model);
  return BUNDLED[model]?.includes(form) ? `/models/${model}/model.${form}.onnx` : undefined;
}

export async function formBytes(model: string, form: Form): Promise<Uint8Array> {
  const url = formUrl(model, form);
  return url ? fetchBytes(url) : makeForm(form, await fetchBytes(fp32Url(model)));
}

/** Makes a form from the fp32 model's bytes (no I/O, so bench/int8-cpu.mjs uses it in Node too). */
export function makeForm(form: Form, fp32: Uint8Array): Uint8Array {
  if (form === 'fp32') return fp32;
  if (form === 'int8-nbits') return matMulNBits8(fp32, { blockSize: 32, accuracyLevel: 4 });
  const { bytes, report } = quantize(fp32, QUANTIZE[form]);
  if (!report.changed) throw new Error(`nothing quantized for ${form}`);
  return bytes;
}

export function fp32Url(model: string): string {
  const url = FP32_URL[model];
  if (!url) throw new Error(`unknown bench model "${model}"`);
  return url;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
