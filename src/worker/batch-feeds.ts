// Stacking requests along the first dimension and cutting the outputs back, plus the checks that keep one malformed
// request from corrupting a batch it would share with others.
import { EdgeInferError } from '../errors.js';
import { arrayTypeOf, isTypedArray, type Dtype, type Tensor, type TypedArray } from '../tensor.js';
import { setOwn } from '../own.js';

/** A checked request and its rows. */
export interface Prepared {
  feeds: Record<string, Tensor>;
  rows: number;
  /** False when the request cannot be stacked (a scalar input, zero rows, or inputs with different rows). */
  stackable: boolean;
}

/**
 * Checks that feeds name exactly the session's inputs and that every tensor's data fits its dtype and dims. The
 * main thread validated them against the model's signature already; this guards the stacking itself.
 */
export function prepare(model: string, inputNames: readonly string[], feeds: Record<string, Tensor>): Prepared {
  const fail = (code: 'input-invalid' | 'input-missing' | 'input-unknown' | 'input-dtype' | 'input-shape', what: string, input?: string): never => {
    throw new EdgeInferError(code, `${what}; model "${model}" expects inputs ${inputNames.join(', ')}`, { model, ...(input ? { input } : {}) });
  };
  if (typeof feeds !== 'object' || feeds === null) fail('input-invalid', 'feeds must be an object of tensors');
  for (const name of Object.keys(feeds)) if (!inputNames.includes(name)) fail('input-unknown', `unknown input "${name}"`, name);
  let rows: number | undefined;
  let stackable = true;
  for (const name of inputNames) {
    const t = feeds[name];
    if (t === undefined) return fail('input-missing', `missing input "${name}"`, name);
    if (!isTypedArray(t.data)) return fail('input-invalid', `input "${name}" data must be a typed array`, name);
    if (t.data.constructor.name !== arrayTypeOf(t.dtype as Dtype)) {
      fail('input-dtype', `input "${name}" is ${String(t.dtype)} but its data is ${t.data.constructor.name}`, name);
    }
    if (!Array.isArray(t.dims)) fail('input-shape', `input "${name}" dims must be non-negative integers`, name);
    let count = 1;
    for (const d of t.dims) {
      if (!(Number.isSafeInteger(d) && d >= 0)) fail('input-shape', `input "${name}" dims must be non-negative integers`, name);
      count *= d;
    }
    if (count !== t.data.length) fail('input-shape', `input "${name}" has ${t.data.length} values but dims [${t.dims.join(',')}] need ${count}`, name);
    const first = t.dims[0];
    if (first === undefined || first === 0 || (rows !== undefined && first !== rows)) stackable = false;
    rows ??= first;
  }
  return { feeds, rows: rows ?? 0, stackable: stackable && rows !== undefined && rows > 0 };
}

/** What requests must agree on to share a `session.run`: every input's dtype and dims but the first. */
export function batchKey(inputNames: readonly string[], request: Prepared): string {
  return inputNames.map((name) => {
    const t = request.feeds[name]!;
    return `${t.dtype}[${t.dims.slice(1).join(',')}]`;
  }).join(';');
}

/** Stacks requests that share a key into one set of feeds, in order. */
export function mergeFeeds(inputNames: readonly string[], requests: readonly Prepared[]): Record<string, Tensor> {
  const rows = requests.reduce((n, r) => n + r.rows, 0);
  const merged: Record<string, Tensor> = {};
  for (const name of inputNames) {
    const first = requests[0]!.feeds[name]!;
    const length = requests.reduce((n, r) => n + r.feeds[name]!.data.length, 0);
    const data = new (first.data.constructor as new (length: number) => TypedArray)(length);
    let offset = 0;
    for (const r of requests) {
      const part = r.feeds[name]!.data;
      (data as Float32Array).set(part as Float32Array, offset);
      offset += part.length;
    }
    setOwn(merged, name, { dtype: first.dtype, dims: [rows, ...first.dims.slice(1)], data });
  }
  return merged;
}

/**
 * Cuts each output back into one tensor per request, by rows. An output whose first dimension is not the batch's
 * row count means the model does not keep rows apart, so the whole batch fails rather than hand out wrong slices.
 */
export function splitOutputs(model: string, outputs: Record<string, Tensor>, rows: readonly number[]): Record<string, Tensor>[] {
  const total = rows.reduce((n, r) => n + r, 0);
  const parts = rows.map(() => ({}) as Record<string, Tensor>);
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims.length === 0 || t.dims[0] !== total) {
      throw new EdgeInferError(
        'inference-failed',
        `batched run of model "${model}": output "${name}" has dims [${t.dims.join(',')}], expected first dim ${total} (the stacked rows); ` +
          'its first dimension is not a batch dimension, so load it with batching: false',
        { model, output: name },
      );
    }
    const stride = total === 0 ? 0 : t.data.length / total;
    let offset = 0;
    rows.forEach((r, i) => {
      setOwn(parts[i]!, name, { dtype: t.dtype, dims: [r, ...t.dims.slice(1)], data: t.data.slice(offset * stride, (offset + r) * stride) });
      offset += r;
    });
  }
  return parts;
}
