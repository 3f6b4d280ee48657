// Rows for a tabular pre-processor, read on the calling thread so a bad value fails before anything is sent: a
// number[] or typed-array row, an object keyed by the feature names, or an array of rows. Values stay float64 until
// the worker has standardized them, so (value − mean) / std is rounded to float32 once.
import { EdgeInferError, shown } from '../errors.js';
import { isTypedArray, type ValueInfo } from '../tensor.js';
import type { TabularPre } from './spec.js';

/** One row as `predict()` takes it for a tabular pre-processor. */
export type TabularRow = readonly number[] | Float32Array | Float64Array | Readonly<Record<string, number>>;

/** What goes to the worker: `count` rows of the row width, row-major. */
export interface Rows {
  kind: 'rows';
  data: Float64Array;
  count: number;
  /** An array of rows came in: the answer is `{ type: 'rows', items }`, one per row. */
  many: boolean;
}

/** Values in one predict() call at most (64 MB of float32 for the model). */
const MAX_VALUES = 1 << 24;

/** Values per row: as many as `features`, `mean` or `std` name, else the input's last dimension if fixed. */
export function rowWidth(pre: TabularPre, input: ValueInfo | undefined): number | undefined {
  const named = pre.features?.length ?? pre.mean?.length ?? pre.std?.length;
  if (named !== undefined) return named;
  const last = input?.dims?.[input.dims.length - 1];
  return typeof last === 'number' ? last : undefined;
}

/** Reads `input` as rows of `width` values; throws `input-invalid` naming the row and value (`details.field`). */
export function rowsOf(input: unknown, pre: TabularPre, width: number, id: string): Rows {
  const fail = (what: string, field: string): never => {
    throw new EdgeInferError('input-invalid', `predict() on model "${id}": ${field}: ${what}`, { model: id, field });
  };
  const many = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number';
  const list: unknown[] = many ? (input as unknown[]) : [input];
  if (list.length * width > MAX_VALUES) fail(`${list.length} rows of ${width} values are more than ${MAX_VALUES} values; split the call`, 'rows');
  const data = new Float64Array(list.length * width);
  list.forEach((row, r) => readRow(row, pre, width, data.subarray(r * width, (r + 1) * width), many ? `rows[${r}]` : 'row', fail));
  return { kind: 'rows', data, count: list.length, many };
}

function readRow(row: unknown, pre: TabularPre, width: number, out: Float64Array, at: string, fail: (what: string, field: string) => never): void {
  const value = (v: unknown, field: string) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`expected a finite number, got ${shown(v)}`, field));
  if (isTypedArray(row) || Array.isArray(row)) {
    const values = row as ArrayLike<unknown>;
    if (values.length !== width) fail(`expected ${width} values${pre.features ? ` (${list(pre.features)})` : ''}, got ${values.length}`, at);
    if (typeof values[0] === 'bigint') fail('expected numbers, got a BigInt array', at);
    for (let j = 0; j < width; j++) out[j] = value(values[j], `${at}[${j}]`);
    return;
  }
  const kind = typeof row === 'object' && row !== null ? Object.getPrototypeOf(row) : undefined;
  if (kind !== Object.prototype && kind !== null) {
    const what = kind?.constructor?.name ? String(kind.constructor.name) : shown(row);
    fail(`expected a row of ${width} numbers (a number[] or Float32Array${pre.features ? ', or an object keyed by feature names' : ''}) or an array of rows, got ${what}`, at);
  }
  const features = pre.features ?? fail(`expected ${width} numbers (a number[] or Float32Array): an object row needs the pre-processor to name its features (pre.features)`, at);
  const given = new Map(Object.entries(row as object));
  for (const key of given.keys()) if (!features.includes(key)) fail(`unknown feature "${key}" (the features are ${list(features)})`, `${at}.${key}`);
  features.forEach((f, j) => (out[j] = given.has(f) ? value(given.get(f), `${at}.${f}`) : fail(`feature "${f}" is missing`, `${at}.${f}`)));
}

function list(names: readonly string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')}, … ${names.length} in all` : names.join(', ');
}
