// The post-processors: a model's output row → the answer `model.predict()` gives.
import type { ClassesPost, ClassScore, Prediction, ValuesPost } from '../../processors/spec.js';
import type { Tensor } from '../../tensor.js';

/** Reads row `row` of the named output (predict() runs one item, or one per piece of a split image). */
export function postProcess(outputs: Record<string, Tensor>, post: ClassesPost | ValuesPost | undefined, row = 0): Prediction {
  if (!post) {
    const raw: Record<string, { dims: number[]; data: number[] }> = {};
    for (const [name, t] of Object.entries(outputs)) Object.defineProperty(raw, name, { value: { dims: [...t.dims], data: Array.from(t.data, Number) }, enumerable: true });
    return { type: 'raw', outputs: raw };
  }
  const t = outputs[post.output]!;
  const width = t.dims.length >= 2 ? t.dims.slice(1).reduce((a, b) => a * b, 1) : t.data.length;
  const values = Array.from(t.data.subarray(row * width, (row + 1) * width), Number);
  if (post.type === 'values') {
    const at = (p: number | number[] | undefined, i: number, none: number) => (Array.isArray(p) ? p[i]! : p ?? none);
    return { type: 'values', values: values.map((v, i) => v * at(post.scale, i, 1) + at(post.offset, i, 0)) };
  }
  return classes(activate(values, post.activation ?? 'none'), post);
}

function activate(row: number[], activation: NonNullable<ClassesPost['activation']>): number[] {
  if (activation === 'sigmoid') return row.map((v) => 1 / (1 + Math.exp(-v)));
  if (activation === 'none') return row;
  const top = Math.max(...row);
  const e = row.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function classes(scores: number[], post: ClassesPost): Prediction {
  const label = (i: number) => post.labels?.[i] ?? String(i);
  if (scores.length === 1) {
    // One score: a binary classifier; the class is which side of the threshold it falls.
    const score = scores[0]!;
    const index = score >= (post.threshold ?? 0.5) ? 1 : 0;
    const best = { label: label(index), index, score };
    return { type: 'classes', ...best, topK: [best] };
  }
  const ranked: ClassScore[] = scores.map((score, index) => ({ label: label(index), index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
  const topK = ranked.slice(0, Math.min(post.topK ?? 5, ranked.length));
  return { type: 'classes', ...topK[0]!, topK };
}

/** The outputs of item `row` of `count` (first dimension 1), for a post module; all of them when there is one item. */
export function itemOutputs(outputs: Record<string, Tensor>, row: number, count: number): Record<string, Tensor> {
  if (count === 1) return outputs;
  const item: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(outputs)) {
    const width = t.dims[0] === count ? t.data.length / count : 0;
    item[name] = width > 0 ? { dtype: t.dtype, dims: [1, ...t.dims.slice(1)], data: t.data.slice(row * width, (row + 1) * width) } : t;
  }
  return item;
}
