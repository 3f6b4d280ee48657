// A small schema check of a lab report (types.ts: LabReport, LabModelResult, LabRow), for exported JSON: the CLI
// refuses to write a report that fails it and the e2e tests assert it passes. Each problem names its path.
import { LAB_BACKENDS, VARIANTS } from './types.js';

type Problems = string[];
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function expect(problems: Problems, path: string, value: unknown, ok: boolean, what: string): void {
  if (!ok) problems.push(`${path}: expected ${what}, got ${shown(value)}`);
}
const num = (p: Problems, path: string, v: unknown) => expect(p, path, v, isNum(v), 'a finite number');
const numOrNull = (p: Problems, path: string, v: unknown) => expect(p, path, v, v === null || isNum(v), 'a number or null');
const str = (p: Problems, path: string, v: unknown) => expect(p, path, v, typeof v === 'string', 'a string');
const bool = (p: Problems, path: string, v: unknown) => expect(p, path, v, typeof v === 'boolean', 'a boolean');
const oneOf = (p: Problems, path: string, v: unknown, values: readonly string[]) => expect(p, path, v, values.includes(v as string), `one of ${values.join(', ')}`);
function obj(p: Problems, path: string, v: unknown): v is Obj {
  expect(p, path, v, isObj(v), 'an object');
  return isObj(v);
}
function arr(p: Problems, path: string, v: unknown): v is unknown[] {
  expect(p, path, v, Array.isArray(v), 'an array');
  return Array.isArray(v);
}

function valueInfo(p: Problems, path: string, v: unknown): void {
  if (!obj(p, path, v)) return;
  str(p, `${path}.name`, v.name);
  str(p, `${path}.dtype`, v.dtype);
  const dims = v.dims;
  const ok = dims === null || (Array.isArray(dims) && dims.every((d) => typeof d === 'string' || isNum(d)));
  expect(p, `${path}.dims`, dims, ok, 'null or an array of numbers and names');
}

function quality(p: Problems, path: string, q: unknown): void {
  if (!obj(p, path, q)) return;
  if (q.kind === 'accuracy') {
    num(p, `${path}.accuracy`, q.accuracy);
    num(p, `${path}.samples`, q.samples);
    const ok = Array.isArray(q.confusion) && q.confusion.every((r) => Array.isArray(r) && r.every(isNum));
    expect(p, `${path}.confusion`, q.confusion, ok, 'an array of number arrays');
  } else if (q.kind === 'mae') {
    if (arr(p, `${path}.horizons`, q.horizons)) {
      q.horizons.forEach((h, i) => {
        if (!obj(p, `${path}.horizons[${i}]`, h)) return;
        for (const key of ['months', 'mae', 'windows']) num(p, `${path}.horizons[${i}].${key}`, h[key]);
      });
    }
  } else if (q.kind === 'frames') {
    num(p, `${path}.agreement`, q.agreement);
    num(p, `${path}.frames`, q.frames);
  } else {
    oneOf(p, `${path}.kind`, q.kind, ['accuracy', 'mae', 'frames']);
  }
}

function row(p: Problems, path: string, r: unknown): void {
  if (!obj(p, path, r)) return;
  oneOf(p, `${path}.variant`, r.variant, VARIANTS);
  oneOf(p, `${path}.backend`, r.backend, ['webgpu', 'webnn', 'wasm']);
  for (const key of ['threads', 'batch', 'bytes', 'runs']) num(p, `${path}.${key}`, r[key]);
  if (obj(p, `${path}.loadMs`, r.loadMs)) {
    numOrNull(p, `${path}.loadMs.cold`, r.loadMs.cold);
    numOrNull(p, `${path}.loadMs.warm`, r.loadMs.warm);
  }
  for (const key of ['firstMs', 'p50Ms', 'p95Ms', 'perSecond']) numOrNull(p, `${path}.${key}`, r[key]);
  if (r.agreement !== null && obj(p, `${path}.agreement`, r.agreement)) {
    num(p, `${path}.agreement.maxAbsDiff`, r.agreement.maxAbsDiff);
    num(p, `${path}.agreement.cosine`, r.agreement.cosine);
    if (r.agreement.top1 !== undefined) num(p, `${path}.agreement.top1`, r.agreement.top1);
  }
  if (r.quality !== undefined) quality(p, `${path}.quality`, r.quality);
  if (r.error !== undefined && obj(p, `${path}.error`, r.error)) {
    str(p, `${path}.error.code`, r.error.code);
    str(p, `${path}.error.message`, r.error.message);
  }
  if (r.timings !== undefined) expect(p, `${path}.timings`, r.timings, Array.isArray(r.timings) && r.timings.every(isNum), 'an array of numbers');
}

function model(p: Problems, path: string, m: unknown): void {
  if (!obj(p, path, m)) return;
  str(p, `${path}.model`, m.model);
  bool(p, `${path}.bundled`, m.bundled);
  for (const key of ['inputs', 'outputs']) if (arr(p, `${path}.${key}`, m[key])) (m[key] as unknown[]).forEach((v, i) => valueInfo(p, `${path}.${key}[${i}]`, v));
  if (m.quantizeError !== undefined) str(p, `${path}.quantizeError`, m.quantizeError);
  if (arr(p, `${path}.rows`, m.rows)) m.rows.forEach((r, i) => row(p, `${path}.rows[${i}]`, r));
  if (obj(p, `${path}.recommendation`, m.recommendation)) {
    const rec = m.recommendation;
    str(p, `${path}.recommendation.text`, rec.text);
    if (rec.pick !== undefined && obj(p, `${path}.recommendation.pick`, rec.pick)) {
      oneOf(p, `${path}.recommendation.pick.variant`, rec.pick.variant, VARIANTS);
      oneOf(p, `${path}.recommendation.pick.backend`, rec.pick.backend, ['webgpu', 'webnn', 'wasm']);
      num(p, `${path}.recommendation.pick.threads`, rec.pick.threads);
    }
  }
  if (m.detail !== undefined && obj(p, `${path}.detail`, m.detail)) {
    for (const [key, d] of Object.entries(m.detail)) if (obj(p, `${path}.detail.${key}`, d)) oneOf(p, `${path}.detail.${key}.kind`, d.kind, ['accuracy', 'mae', 'frames']);
  }
}

function config(p: Problems, path: string, c: unknown): void {
  if (!obj(p, path, c)) return;
  expect(p, `${path}.models`, c.models, Array.isArray(c.models) && c.models.every((m) => typeof m === 'string'), 'an array of strings');
  if (arr(p, `${path}.backends`, c.backends)) c.backends.forEach((b, i) => oneOf(p, `${path}.backends[${i}]`, b, LAB_BACKENDS));
  if (arr(p, `${path}.variants`, c.variants)) c.variants.forEach((v, i) => oneOf(p, `${path}.variants[${i}]`, v, VARIANTS));
  expect(p, `${path}.batches`, c.batches, Array.isArray(c.batches) && c.batches.every(isNum), 'an array of numbers');
  for (const key of ['minRuns', 'maxRuns', 'budgetMs']) num(p, `${path}.${key}`, c[key]);
  bool(p, `${path}.quality`, c.quality);
}

function device(p: Problems, path: string, d: unknown): void {
  if (!obj(p, path, d)) return;
  str(p, `${path}.userAgent`, d.userAgent);
  num(p, `${path}.hardwareConcurrency`, d.hardwareConcurrency);
  bool(p, `${path}.crossOriginIsolated`, d.crossOriginIsolated);
  num(p, `${path}.wasmThreads`, d.wasmThreads);
  if (obj(p, `${path}.webgpu`, d.webgpu)) bool(p, `${path}.webgpu.available`, d.webgpu.available);
  bool(p, `${path}.webnn`, d.webnn);
}

/** Problems with `value` as a LabReport (an empty list when it passes), each as "path: expected ..., got ...". */
export function checkReport(value: unknown): string[] {
  const p: Problems = [];
  if (!obj(p, 'report', value)) return p;
  expect(p, 'schema', value.schema, value.schema === 'edge-infer-lab/1', '"edge-infer-lab/1"');
  expect(p, 'createdAt', value.createdAt, typeof value.createdAt === 'string' && !Number.isNaN(Date.parse(value.createdAt)), 'an ISO date string');
  device(p, 'device', value.device);
  config(p, 'config', value.config);
  if (arr(p, 'models', value.models)) value.models.forEach((m, i) => model(p, `models[${i}]`, m));
  bool(p, 'stopped', value.stopped);
  return p;
}
