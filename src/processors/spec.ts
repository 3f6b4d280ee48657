// What a model's processors do, as data: declared in a manifest entry (`pre`, `post`) or in load options, checked on
// either thread, run in the worker (worker/processors/). `model.predict()` runs pre → model → post.

/** Turns an image into one model input. Pixels are composited over black, then read as gray (luma) or RGB in [0, 255]. */
export interface ImagePre {
  type: 'image';
  /** The model input it fills; other inputs must not exist. */
  input: string;
  width: number;
  height: number;
  channels: 'gray' | 'rgb';
  /** `nchw` [1, C, H, W], `nhwc` [1, H, W, C], `flat` [1, H·W·C] (rows of HWC). */
  layout: 'nchw' | 'nhwc' | 'flat';
  /**
   * `stretch` to width × height; `contain`: scale to fit, pad the rest with `pad`; `cover`: scale to fill, crop the
   * centre; `content`: crop to the pixels above `threshold`, scale the longer side to `contentSize` and centre the
   * result's centre of mass (how MNIST digits were made). Downscaling averages each output pixel's footprint (area
   * filter); upscaling interpolates bilinearly. @defaultValue `'stretch'`
   */
  fit?: 'stretch' | 'contain' | 'cover' | 'content';
  /** For `content`: gray level (0–255, after `invert`) that counts as ink. @defaultValue 20 */
  threshold?: number;
  /** For `content`: the longer side of the cropped ink, in output pixels. @defaultValue 0.7 × min(width, height) */
  contentSize?: number;
  /** 255 − value before anything else (dark ink on a light page → light on dark). @defaultValue false */
  invert?: boolean;
  /** Value = (pixel · scale − mean[c]) / std[c]. @defaultValue scale 1/255, mean 0, std 1 */
  scale?: number;
  mean?: number[];
  std?: number[];
  /** Padding for `contain`, in pixel units (0–255). @defaultValue 0 */
  pad?: number;
}

/**
 * Turns PCM audio into a stateful model's frames for `model.stream()`: resampled to `sampleRate` (windowed sinc),
 * cut into frames of `frame` new samples after `context` samples of the previous frame, with a recurrent state carried
 * from an output to an input in the worker (zeros at the start) and inputs that never change (`constants`).
 */
export interface AudioPre {
  type: 'audio';
  /** The input each frame goes to, as [1, context + frame]. */
  input: string;
  /** The model's sample rate (Hz). */
  sampleRate: number;
  frame: number;
  /** @defaultValue 0 */
  context?: number;
  state?: { input: string; output: string };
  /** Scalar inputs given the same value on every frame, e.g. `{ "sr": 16000 }`. */
  constants?: Record<string, number>;
}

/** Reads a classifier's output row: scores (after `activation`), the best class and the top k with labels. */
export interface ClassesPost {
  type: 'classes';
  output: string;
  /** @defaultValue `'none'` (the output already holds probabilities or scores) */
  activation?: 'softmax' | 'sigmoid' | 'none';
  /** One per class; the answer's `label` is the class index as a string where absent. */
  labels?: string[];
  /** @defaultValue 5 (at most the number of classes) */
  topK?: number;
  /** With one score per row (a binary classifier): `label` is `labels[1]` when score ≥ threshold, else `labels[0]`. @defaultValue 0.5 */
  threshold?: number;
}

/**
 * Reads a regressor's output row: value · scale + offset, undoing the training normalization of the targets. A number
 * applies to every value; an array gives one per value of the row (targets standardized one by one).
 */
export interface ValuesPost {
  type: 'values';
  output: string;
  /** @defaultValue 1 */
  scale?: number | number[];
  /** @defaultValue 0 */
  offset?: number | number[];
}

/**
 * Turns a row of numbers (or several) into one model input: value j becomes (value − mean[j]) / std[j], the
 * standardization the model was trained with. `predict()` takes a number[] or Float32Array row, an object keyed by
 * `features`, or an array of rows (run as one batch when the input's first dimension is free).
 */
export interface TabularPre {
  type: 'tabular';
  /** The model input it fills, [batch, F] (or [F]); other inputs must not exist. */
  input: string;
  /** Names of the F values, in the model's order: rows may then be objects keyed by them. @defaultValue none */
  features?: string[];
  /** @defaultValue 0 for every feature */
  mean?: number[];
  /** @defaultValue 1 for every feature */
  std?: number[];
}

/**
 * Your own pre- or post-processor: an ES module the worker imports once when the model loads (same origin as the
 * page, or an origin in `allowedOrigins`). A pre module exports `pre` (a `PreModule`), a post module `post` (a
 * `PostModule`); both get `options`. A manifest's `url` is resolved against the manifest's URL, an app's against
 * the page's.
 */
export interface ModuleProcessor {
  type: 'module';
  url: string;
  /** Passed to the module's function as they are (JSON-like data). @defaultValue `{}` */
  options?: Record<string, unknown>;
}

export interface Processors {
  pre?: ImagePre | AudioPre | TabularPre | ModuleProcessor;
  post?: ClassesPost | ValuesPost | ModuleProcessor;
}

export interface ClassScore {
  label: string;
  index: number;
  score: number;
}

/** What `model.predict()` gives: a class with its top k, or values; `raw` for a model without `post`. */
export type Prediction =
  | ({ type: 'classes' } & ClassScore & { topK: ClassScore[] })
  | { type: 'values'; values: number[] }
  /** `predict(image, { split: 'columns' })`: one answer per piece, left to right, and their labels joined. */
  | { type: 'sequence'; text: string; items: Prediction[] }
  /** `predict(rows)` with an array of rows: one answer per row, in order. */
  | { type: 'rows'; items: Prediction[] }
  /** What a post module made that is neither classes nor values (any structured-cloneable value). */
  | { type: 'custom'; value: unknown }
  | { type: 'raw'; outputs: Record<string, { dims: number[]; data: number[] }> };

/**
 * Checks a processors object; `fail` throws with the field named (e.g. `pre.width`). A module's relative `url` is
 * resolved against `base` (the page's, as load() resolves model URLs), in a copy: the object comes back as it is
 * otherwise. A manifest's are resolved again in the worker, against the manifest's URL (worker/processors/fits.ts).
 */
export function checkProcessors(value: unknown, where: string, fail: (what: string) => never, base: string | undefined = globalThis.document?.baseURI ?? globalThis.location?.href): Processors {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be { pre?, post? }`);
  const { pre, post } = value as Processors;
  if (pre !== undefined) {
    const at = `${where}.pre`;
    const type = (pre as { type?: unknown } | null)?.type;
    if (type === 'audio') checkAudio(pre as AudioPre, at, fail);
    else if (type === 'tabular') checkTabular(pre as TabularPre, at, fail);
    else if (type === 'module') checkModule(pre as ModuleProcessor, at, fail);
    else if (type === 'image') checkImage(pre as ImagePre, at, fail);
    else fail(`${at}.type must be 'image', 'audio', 'tabular' or 'module', got ${JSON.stringify(type)}`);
  }
  if (post !== undefined) checkPost(post, `${where}.post`, fail);
  if (base === undefined || (pre?.type !== 'module' && post?.type !== 'module')) return value as Processors;
  const resolve = <T,>(p: T, at: string): T => {
    if ((p as { type?: unknown }).type !== 'module') return p;
    try {
      return { ...p, url: new URL((p as ModuleProcessor).url, base).href };
    } catch {
      return fail(`${at}.url ${short((p as ModuleProcessor).url)} cannot be resolved against ${base}`);
    }
  };
  return { ...(value as Processors), ...(pre ? { pre: resolve(pre, `${where}.pre`) } : {}), ...(post ? { post: resolve(post, `${where}.post`) } : {}) };
}

function checkModule(p: ModuleProcessor, at: string, fail: (what: string) => never): void {
  if (typeof p.url !== 'string' || p.url === '' || p.url.length > 4096) fail(`${at}.url must be the module's URL (1–4096 characters), got ${short(p.url)}`);
  try {
    new URL(p.url, 'https://base.invalid/');
  } catch {
    fail(`${at}.url must be a URL, got ${short(p.url)}`);
  }
  if (p.options !== undefined && !(isRecord(p.options) && plain(p.options, 0))) fail(`${at}.options must be an object of JSON-like data (numbers, strings, booleans, null, arrays, objects), got ${short(p.options)}`);
}

function checkTabular(p: TabularPre, at: string, fail: (what: string) => never): void {
  name(p.input, `${at}.input`, fail);
  const lengths: [string, number][] = [];
  if (p.features !== undefined) {
    const f = p.features;
    if (!Array.isArray(f) || f.length < 1 || f.length > 65536 || !f.every((x) => typeof x === 'string' && x !== '') || new Set(f).size !== f.length) {
      fail(`${at}.features must be 1–65536 distinct non-empty strings, got ${short(f)}`);
    }
    lengths.push(['features', f.length]);
  }
  for (const k of ['mean', 'std'] as const) {
    const v = p[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length < 1 || v.length > 65536 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (k === 'mean' || x !== 0))) {
      fail(`${at}.${k} must be 1–65536 finite numbers${k === 'std' ? ', none 0' : ''} (one per feature), got ${short(v)}`);
    }
    lengths.push([k, v.length]);
  }
  const [first, ...rest] = lengths;
  for (const [k, n] of rest) if (n !== first![1]) fail(`${at}.${k} has ${n} values, but ${at}.${first![0]} has ${first![1]}: one per feature`);
}

function checkAudio(p: AudioPre, at: string, fail: (what: string) => never): void {
  name(p.input, `${at}.input`, fail);
  if (!Number.isSafeInteger(p.sampleRate) || p.sampleRate < 8000 || p.sampleRate > 384000) fail(`${at}.sampleRate must be a whole number of Hz from 8000 to 384000, got ${JSON.stringify(p.sampleRate)}`);
  if (!Number.isSafeInteger(p.frame) || p.frame < 1 || p.frame > 65536) fail(`${at}.frame must be an integer from 1 to 65536, got ${JSON.stringify(p.frame)}`);
  if (p.context !== undefined && (!Number.isSafeInteger(p.context) || p.context < 0 || p.context > 65536)) fail(`${at}.context must be an integer from 0 to 65536, got ${JSON.stringify(p.context)}`);
  if (p.state !== undefined) {
    if (typeof p.state !== 'object' || p.state === null) fail(`${at}.state must be { input, output }`);
    name(p.state.input, `${at}.state.input`, fail);
    name(p.state.output, `${at}.state.output`, fail);
  }
  if (p.constants !== undefined) {
    if (typeof p.constants !== 'object' || p.constants === null || Array.isArray(p.constants)) fail(`${at}.constants must be an object of numbers`);
    for (const [k, v] of Object.entries(p.constants)) if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${at}.constants.${k} must be a finite number, got ${JSON.stringify(v)}`);
  }
}

function checkImage(p: ImagePre, at: string, fail: (what: string) => never): void {
  if (typeof p !== 'object' || p === null || p.type !== 'image') fail(`${at}.type must be 'image' or 'audio'`);
  name(p.input, `${at}.input`, fail);
  for (const k of ['width', 'height'] as const) if (!Number.isSafeInteger(p[k]) || p[k] < 1 || p[k] > 4096) fail(`${at}.${k} must be an integer from 1 to 4096, got ${JSON.stringify(p[k])}`);
  oneOf(p.channels, ['gray', 'rgb'], `${at}.channels`, fail);
  oneOf(p.layout, ['nchw', 'nhwc', 'flat'], `${at}.layout`, fail);
  if (p.fit !== undefined) oneOf(p.fit, ['stretch', 'contain', 'cover', 'content'], `${at}.fit`, fail);
  if (p.invert !== undefined && typeof p.invert !== 'boolean') fail(`${at}.invert must be a boolean`);
  number(p.threshold, `${at}.threshold`, fail, 0, 255);
  number(p.pad, `${at}.pad`, fail, 0, 255);
  number(p.contentSize, `${at}.contentSize`, fail, 1, Math.min(p.width, p.height));
  number(p.scale, `${at}.scale`, fail, -Infinity, Infinity);
  const c = p.channels === 'rgb' ? 3 : 1;
  for (const k of ['mean', 'std'] as const) {
    const v = p[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length !== c || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (k === 'mean' || x !== 0))) {
      fail(`${at}.${k} must be ${c} finite number(s)${k === 'std' ? ', none 0' : ''} (one per channel), got ${JSON.stringify(v)}`);
    }
  }
}

function checkPost(p: ClassesPost | ValuesPost | ModuleProcessor, at: string, fail: (what: string) => never): void {
  if (typeof p !== 'object' || p === null || !['classes', 'values', 'module'].includes(p.type)) fail(`${at}.type must be 'classes', 'values' or 'module', got ${short((p as { type?: unknown } | null)?.type)}`);
  if (p.type === 'module') return checkModule(p, at, fail);
  name(p.output, `${at}.output`, fail);
  if (p.type === 'values') {
    for (const k of ['scale', 'offset'] as const) {
      const v = p[k];
      if (Array.isArray(v)) {
        if (v.length < 1 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) fail(`${at}.${k} must be a finite number or an array of them (one per value), got ${short(v)}`);
      } else number(v, `${at}.${k}`, fail, -Infinity, Infinity);
    }
    return;
  }
  if (p.activation !== undefined) oneOf(p.activation, ['softmax', 'sigmoid', 'none'], `${at}.activation`, fail);
  if (p.labels !== undefined && !(Array.isArray(p.labels) && p.labels.every((l) => typeof l === 'string'))) fail(`${at}.labels must be an array of strings`);
  if (p.topK !== undefined && (!Number.isSafeInteger(p.topK) || p.topK < 1)) fail(`${at}.topK must be an integer >= 1, got ${JSON.stringify(p.topK)}`);
  number(p.threshold, `${at}.threshold`, fail, 0, 1);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** JSON-like data, at most 16 levels deep: what crosses to the worker and into a manifest unchanged. */
function plain(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return true;
  if (depth > 16) return false;
  if (Array.isArray(v)) return v.every((x) => plain(x, depth + 1));
  return isRecord(v) && Object.values(v).every((x) => plain(x, depth + 1));
}

/** A value for a message, cut short: a bad field can be large. */
function short(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function name(v: unknown, at: string, fail: (what: string) => never): void {
  if (typeof v !== 'string' || v === '') fail(`${at} must name a model ${at.endsWith('input') ? 'input' : 'output'}`);
}

function oneOf(v: unknown, allowed: string[], at: string, fail: (what: string) => never): void {
  if (!allowed.includes(v as string)) fail(`${at} must be ${allowed.map((a) => `'${a}'`).join(' | ')}, got ${JSON.stringify(v)}`);
}

function number(v: unknown, at: string, fail: (what: string) => never, min: number, max: number): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max)) fail(`${at} must be a finite number${Number.isFinite(min) ? ` from ${min} to ${max}` : ''}, got ${JSON.stringify(v)}`);
}
