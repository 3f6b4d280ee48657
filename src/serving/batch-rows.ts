// A batch job's items as rows: each item checked against the model's signature (its index named in the error),
// one-row items stacked on the first dimension into one run, and that run's outputs cut back into one per item.
import { EdgeInferError } from '../errors.js';
import { setOwn } from '../own.js';
import { formatDims, validateFeeds, type Tensor, type TypedArray, type ValueInfo } from '../tensor.js';

/** What the rows code needs of a model. */
export interface RowModel {
  readonly id: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** A checked item: its tensors in the order of `model.inputs`. */
export type ItemTensors = readonly Tensor[];

/**
 * Checks item `index` against the model's inputs (as `run()` does); `stacked` also needs it to be exactly one row.
 * Any problem fails with `input-invalid` naming the item (`details.item`, and `details.reason`: the specific code).
 */
export function checkItem(model: RowModel, item: unknown, index: number, stacked: boolean): ItemTensors {
  let tensors: Tensor[];
  try {
    tensors = validateFeeds(model.id, model.inputs, item);
  } catch (error) {
    const e = error as EdgeInferError;
    throw new EdgeInferError('input-invalid', `runBatch(): item ${index}: ${e.message}`, { ...e.details, item: index, reason: e.code }, { cause: error });
  }
  if (stacked) {
    tensors.forEach((t, i) => {
      if (t.dims[0] !== 1) {
        const name = model.inputs[i]!.name;
        throw new EdgeInferError(
          'input-invalid',
          `runBatch(): item ${index}: input "${name}" has dims ${formatDims(t.dims)}; each item must be one row (first dim 1, or a flat array of one row)`,
          { model: model.id, input: name, item: index, reason: 'input-shape' },
        );
      }
    });
  }
  return tensors;
}

/** Items that may share a run: the same dims after the first, for every input. */
export function rowKey(tensors: ItemTensors): string {
  return tensors.map((t) => t.dims.slice(1).join(',')).join(';');
}

/** Consecutive runs of items with the same `rowKey`, as [start, end) index pairs (one pair for uniform items). */
export function groups(items: readonly ItemTensors[]): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let key = items.length > 0 ? rowKey(items[0]!) : '';
  for (let i = 1; i <= items.length; i++) {
    const next = i < items.length ? rowKey(items[i]!) : undefined;
    if (next !== key) {
      out.push([start, i]);
      start = i;
      key = next ?? '';
    }
  }
  return out;
}

/** One-row items stacked into feeds of `items.length` rows, by input name; fresh buffers, safe to transfer. */
export function stackRows(inputs: readonly ValueInfo[], items: readonly ItemTensors[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  inputs.forEach((info, i) => {
    const first = items[0]![i]!;
    const width = first.data.length;
    const data = new (first.data.constructor as new (length: number) => TypedArray)(width * items.length);
    items.forEach((item, row) => (data as Float32Array).set(item[i]!.data as Float32Array, row * width));
    setOwn(feeds, info.name, { dtype: first.dtype, dims: [items.length, ...first.dims.slice(1)], data });
  });
  return feeds;
}

/**
 * A stacked run's outputs cut back into one result per row, each in its own buffer. An output whose first dim is not
 * the row count means the model does not keep rows apart: the job fails (`inference-failed`) rather than hand out
 * wrong slices.
 */
export function splitRows(modelId: string, outputs: Readonly<Record<string, Tensor>>, rows: number): Record<string, Tensor>[] {
  const parts = Array.from({ length: rows }, () => ({}) as Record<string, Tensor>);
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims.length === 0 || t.dims[0] !== rows) {
      throw new EdgeInferError(
        'inference-failed',
        `runBatch(): model "${modelId}" output "${name}" has dims ${formatDims(t.dims)} for ${rows} stacked rows; its first dimension is not a batch dimension`,
        { model: modelId, output: name },
      );
    }
    const stride = t.data.length / rows;
    const rest = t.dims.slice(1);
    for (let r = 0; r < rows; r++) setOwn(parts[r]!, name, { dtype: t.dtype, dims: [1, ...rest], data: t.data.slice(r * stride, (r + 1) * stride) });
  }
  return parts;
}

/** An item's checked tensors as feeds by input name, for an item-by-item run. */
export function itemFeeds(inputs: readonly ValueInfo[], tensors: ItemTensors): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  inputs.forEach((info, i) => setOwn(feeds, info.name, tensors[i]!));
  return feeds;
}
