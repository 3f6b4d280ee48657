// Custom processors: ES modules the worker imports with import() (never eval) once, when the model loads, from
// the page's origin or one in allowedOrigins. What they give back is checked before it goes anywhere: a pre
// module's feeds as run() checks feeds, a post module's answer field by field.
import { EdgeInferError, shown } from '../../errors.js';
import type { PostAnswer, PostModule, PreModule, ProcessorSignature } from '../../processors/modules.js';
import type { ClassScore, ModuleProcessor } from '../../processors/spec.js';
import { validateFeeds, type Tensor } from '../../tensor.js';

type Slot = 'pre' | 'post';

/** A module imported for one slot of a model: its function and the processor's options. */
export interface LoadedModule<F> {
  url: string;
  options: Record<string, unknown>;
  fn: F;
}

/**
 * `details.field` says what is wrong: `url` (cannot be imported), `export` (no such function), `call` (it threw),
 * or `answer…` (the path in what it returned, e.g. `answer.topK[1].score` or `answer.pixels`).
 */
function invalid(slot: Slot, url: string, id: string, field: string, what: string, extra: Record<string, unknown> = {}, cause?: unknown): EdgeInferError {
  return new EdgeInferError('processor-invalid', `${slot} module ${url} of model "${id}": ${what}`, { model: id, processor: slot, field, url, ...extra }, { cause });
}

/** The module's absolute URL, if its origin is the worker's (the page's) or in `allowed`; else origin-not-allowed. */
export function moduleUrl(spec: ModuleProcessor, slot: Slot, id: string, base: string | undefined, allowed: readonly string[] | undefined): string {
  let url: URL;
  try {
    url = new URL(spec.url, base);
  } catch (error) {
    throw invalid(slot, spec.url, id, 'url', `not a URL${base ? ` relative to ${base}` : ''}`, {}, error);
  }
  const origins = allowed ?? [globalThis.location.origin];
  if (!['http:', 'https:', 'blob:'].includes(url.protocol) || !origins.includes(url.origin)) {
    throw new EdgeInferError(
      'origin-not-allowed',
      `${slot} module ${url.href} of model "${id}": ${url.origin} is not ${allowed ? `in allowedOrigins (${allowed.join(', ')})` : `the page's origin (${origins[0]}); list it in allowedOrigins to load code from it`}`,
      { model: id, processor: slot, field: 'url', url: url.href, origin: url.origin },
    );
  }
  return url.href;
}

/** Imports the module and returns its `pre` or `post` function; processor-invalid when it cannot. */
export async function importModule<F>(slot: Slot, url: string, options: Record<string, unknown> | undefined, id: string): Promise<LoadedModule<F>> {
  let module: Record<string, unknown>;
  try {
    // Bundlers must leave this import alone: the URL is only known at run time.
    module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ url)) as Record<string, unknown>;
  } catch (error) {
    throw invalid(slot, url, id, 'url', `could not be imported (${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)})`, {}, error);
  }
  const fn = module[slot];
  if (typeof fn !== 'function') {
    const names = Object.keys(module);
    throw invalid(slot, url, id, 'export', `does not export a function "${slot}" (it exports ${names.length > 0 ? names.join(', ') : 'nothing'})`);
  }
  return { url, options: options ?? {}, fn: fn as F };
}

/** Calls a pre module; its answer checked as run() checks feeds. */
export async function callPre(m: LoadedModule<PreModule['pre']>, input: unknown, signature: ProcessorSignature, id: string): Promise<Record<string, Tensor>> {
  const answer = await called('pre', m, id, () => m.fn(input, m.options, signature));
  let tensors: Tensor[];
  try {
    tensors = validateFeeds(id, signature.inputs, answer);
  } catch (error) {
    const { code, message, details } = error as EdgeInferError;
    const field = details?.input ? `answer.${String(details.input)}` : 'answer';
    throw invalid('pre', m.url, id, field, `returned feeds run() would refuse at ${field} (${code}): ${message}`, { reason: code });
  }
  return Object.fromEntries(signature.inputs.map((info, i) => [info.name, tensors[i]!]));
}

/** Calls a post module on one item's outputs; its answer checked field by field and copied. */
export async function callPost(m: LoadedModule<PostModule['post']>, outputs: Record<string, Tensor>, signature: ProcessorSignature, id: string): Promise<PostAnswer> {
  const answer = await called('post', m, id, () => m.fn(outputs, m.options, signature));
  return checkAnswer(answer, (field, what) => {
    throw invalid('post', m.url, id, field, `returned ${what} at ${field}; expected { type: 'classes', label, index, score, topK } | { type: 'values', values } | { type: 'custom', value }`);
  });
}

/** Runs a module's function; a throw becomes processor-invalid, or input-invalid when the module says the input is bad. */
async function called<T>(slot: Slot, m: LoadedModule<unknown>, id: string, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if ((error as { code?: unknown } | null)?.code === 'input-invalid') {
      throw new EdgeInferError('input-invalid', `predict() on model "${id}": the ${slot} module ${m.url} refused the input: ${message}`, { model: id, processor: slot, url: m.url }, { cause: error });
    }
    throw invalid(slot, m.url, id, 'call', `threw ${message}`, {}, error);
  }
}

type Fail = (field: string, what: string) => never;

/** A clean copy of a post module's answer, or a failure naming the field. */
export function checkAnswer(value: unknown, fail: Fail): PostAnswer {
  const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!record(value)) return fail('answer', shown(value));
  if (value.type === 'values') {
    const values = value.values;
    if (!Array.isArray(values)) return fail('answer.values', shown(values));
    values.forEach((v, i) => finite(v, `answer.values[${i}]`, fail));
    return { type: 'values', values: [...values] as number[] };
  }
  if (value.type === 'classes') {
    const best = score(value, 'answer', fail);
    if (!Array.isArray(value.topK)) return fail('answer.topK', shown(value.topK));
    const topK = value.topK.map((c, i) => (record(c) ? score(c, `answer.topK[${i}]`, fail) : fail(`answer.topK[${i}]`, shown(c))));
    return { type: 'classes', ...best, topK };
  }
  if (value.type === 'custom') {
    try {
      return { type: 'custom', value: structuredClone(value.value) };
    } catch (error) {
      return fail('answer.value', `a value that cannot be copied to the page (${(error as Error).name})`);
    }
  }
  return fail('answer.type', shown(value.type));
}

function score(c: Record<string, unknown>, at: string, fail: Fail): ClassScore {
  if (typeof c.label !== 'string') fail(`${at}.label`, shown(c.label));
  if (!Number.isSafeInteger(c.index) || (c.index as number) < 0) fail(`${at}.index`, shown(c.index));
  return { label: c.label as string, index: c.index as number, score: finite(c.score, `${at}.score`, fail) };
}

function finite(v: unknown, at: string, fail: Fail): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(at, shown(v));
}

