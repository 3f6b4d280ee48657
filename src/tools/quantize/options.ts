import { EdgeInferError } from '../../errors.js';

/**
 * - `dynamic`: int8 weights with integer kernels (DynamicQuantizeLinear + MatMulInteger / ConvInteger); activations
 *   are quantized at run time. The form for onnxruntime-web's WASM backend.
 * - `weights`: int8 weights expanded to float32 (see `expand`), float compute. Shrinks the download; the form for
 *   WebGPU, which has no integer matmul.
 */
export type QuantizeMode = 'dynamic' | 'weights';
export const QUANTIZE_MODES: readonly QuantizeMode[] = ['dynamic', 'weights'];
export type ExpandAt = 'load' | 'run';
export const EXPAND_AT: readonly ExpandAt[] = ['load', 'run'];

export interface QuantizeOptions {
  /** @defaultValue `'dynamic'` */
  mode?: QuantizeMode;
  /**
   * One scale per output channel (`true`), one per tensor (`false`), or per channel only where it cuts the weight's
   * quantization error by at least 10% (`'auto'`).
   * @defaultValue `'auto'`
   */
  perChannel?: boolean | 'auto';
  /**
   * When weights read as floats (every weight in `weights` mode; in `dynamic` mode those of ops without an integer
   * kernel, such as LSTM) are expanded from int8:
   * - `load`: Cast + Mul, which onnxruntime folds into float32 initializers when the session is created, so runs
   *   cost what float32 runs cost (float32 memory after load).
   * - `run`: DequantizeLinear, which onnxruntime does not fold: weights stay int8 in memory and are expanded at
   *   every run (slower, most of all on WASM).
   * @defaultValue `'load'`
   */
  expand?: ExpandAt;
  /**
   * Rename internal values and nodes to short ids (graph inputs and outputs keep theirs). Exporters' long names can
   * be a tenth of an int8 model's bytes; the cost is that runtime errors name `v1f` instead of `/encoder/0/Conv`.
   * The report always uses the original names.
   * @defaultValue `false`
   */
  compactNames?: boolean;
  /** Node names whose weights stay float32. @defaultValue `[]` */
  exclude?: readonly string[];
  /** Weights with fewer elements stay float32: the bytes saved would not pay for the added nodes. @defaultValue `256` */
  minElements?: number;
}

export interface ResolvedQuantizeOptions {
  readonly mode: QuantizeMode;
  readonly perChannel: boolean | 'auto';
  readonly expand: ExpandAt;
  readonly compactNames: boolean;
  readonly exclude: readonly string[];
  readonly minElements: number;
}

export const QUANTIZE_DEFAULTS: ResolvedQuantizeOptions = Object.freeze({
  mode: 'dynamic',
  perChannel: 'auto',
  expand: 'load',
  compactNames: false,
  exclude: Object.freeze([]) as readonly string[],
  minElements: 256,
});

export function resolveQuantizeOptions(options: QuantizeOptions = {}): ResolvedQuantizeOptions {
  const mode = options.mode ?? QUANTIZE_DEFAULTS.mode;
  if (!QUANTIZE_MODES.includes(mode)) throw invalid(`mode must be ${QUANTIZE_MODES.map((m) => `'${m}'`).join(' or ')}, got ${JSON.stringify(mode)}`);
  const perChannel = options.perChannel ?? QUANTIZE_DEFAULTS.perChannel;
  if (perChannel !== true && perChannel !== false && perChannel !== 'auto') {
    throw invalid(`perChannel must be true, false or 'auto', got ${JSON.stringify(perChannel)}`);
  }
  const expand = options.expand ?? QUANTIZE_DEFAULTS.expand;
  if (!EXPAND_AT.includes(expand)) throw invalid(`expand must be ${EXPAND_AT.map((m) => `'${m}'`).join(' or ')}, got ${JSON.stringify(expand)}`);
  const compactNames = options.compactNames ?? QUANTIZE_DEFAULTS.compactNames;
  if (typeof compactNames !== 'boolean') throw invalid(`compactNames must be a boolean, got ${JSON.stringify(compactNames)}`);
  const exclude = options.exclude ?? QUANTIZE_DEFAULTS.exclude;
  if (!Array.isArray(exclude) || !exclude.every((n) => typeof n === 'string' && n.length > 0)) {
    throw invalid('exclude must be an array of node names');
  }
  const minElements = options.minElements ?? QUANTIZE_DEFAULTS.minElements;
  if (!Number.isInteger(minElements) || minElements < 1) throw invalid(`minElements must be a positive integer, got ${String(minElements)}`);
  return Object.freeze({ mode, perChannel, expand, compactNames, exclude: Object.freeze([...exclude]), minElements });
}

function invalid(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message);
}
