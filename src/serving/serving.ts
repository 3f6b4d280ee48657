// Per-model serving policy: whether runs may be answered from the output cache and merged into batches. Both are
// wrong for a model that carries state from one run to the next, and batching also needs a batch dimension.
import type { OutputCache } from '../cache/output-cache.js';
import { resolveBatchingOptions, type ResolvedBatchingOptions, type ServingOptions } from './options.js';
import type { ValueInfo } from '../tensor.js';

/** How a loaded model is served, after defaults and detection. */
export interface ServingInfo {
  /** Whether `run()` uses the output cache unless told otherwise per call. */
  readonly cache: boolean;
  /** The batching in effect, or `false` (disabled, stateful, or no free first dimension). */
  readonly batching: ResolvedBatchingOptions | false;
  readonly stateful: boolean;
  /** Inputs the name rule takes for recurrent state (even when `stateful: false` overrides it). */
  readonly stateInputs: readonly string[];
}

/** What the runtime shares with its models. */
export interface ServingContext {
  readonly cache: OutputCache | undefined;
  readonly batching: ResolvedBatchingOptions | false;
}

// Output name endings that mark "the next value of" an input: state -> stateN, h -> hn, c0 -> cn, x -> x_out.
const NEXT_SUFFIXES = ['n', 'next', 'new', 'out', 'output', 'updated'];
// Input name endings that mark "the initial value": h0 -> hn, state_in -> state_out.
const FIRST_SUFFIXES = ['0', 'in', 'input', 'prev', 'previous'];

/**
 * Inputs that look like recurrent state: an input whose name, ignoring case and `_`/`.`/`-`, equals an output's name
 * with one of the "next" endings (`n`, `next`, `new`, `out`, `output`, `updated`) removed, or is that output's name
 * itself; an input ending `0`/`in`/`input`/`prev`/`previous` is compared without that ending too. Transformer KV
 * caches (`past*` inputs of a model with `present*` outputs) count as state. Dtypes must match.
 */
export function stateInputs(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): string[] {
  const found: string[] = [];
  for (const input of inputs) {
    const name = normalize(input.name);
    const stems = new Set([name, ...FIRST_SUFFIXES.filter((s) => name.length > s.length && name.endsWith(s)).map((s) => name.slice(0, -s.length))]);
    const fed = outputs.some((output) => {
      if (output.dtype !== input.dtype) return false;
      const out = normalize(output.name);
      if (name.startsWith('past') && out.startsWith('present')) return true;
      if (stems.has(out)) return true;
      return NEXT_SUFFIXES.some((s) => out.length > s.length && out.endsWith(s) && stems.has(out.slice(0, -s.length)));
    });
    if (fed) found.push(input.name);
  }
  return found;
}

/** Every input and output has a free (symbolic) first dimension, so rows of separate runs can be stacked. */
export function hasBatchDimension(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): boolean {
  if (inputs.length === 0) return false;
  return [...inputs, ...outputs].every((v) => v.dims !== null && v.dims.length > 0 && typeof v.dims[0] === 'string');
}

export function resolveServing(context: ServingContext, options: ServingOptions, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): ServingInfo {
  const detected = stateInputs(inputs, outputs);
  const stateful = options.stateful ?? detected.length > 0;
  const cache = context.cache !== undefined && (options.cache ?? !stateful);
  const wanted = options.batching === undefined ? context.batching : resolveBatchingOptions(options.batching, context.batching || undefined);
  const batching = wanted && !stateful && hasBatchDimension(inputs, outputs) ? wanted : false;
  return Object.freeze({ cache, batching, stateful, stateInputs: Object.freeze(detected) });
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[_.\-/:]/g, '');
}
