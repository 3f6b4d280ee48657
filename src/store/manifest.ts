import { EdgeInferError } from '../errors.js';
import { isSha256Hex } from './integrity.js';
import { assign, bucketOf, checkRollout, type Assignment, type Rollout } from './rollout.js';
import { checkProcessors, type Processors } from '../processors/spec.js';

/** One file the runtime can fetch, verify and cache. */
export interface ModelFile {
  id: string;
  version: string;
  /** Absolute URL. */
  url: string;
  sha256: string;
  /** Size in bytes, when known. */
  bytes?: number;
}

export interface ManifestVariant {
  precision: string;
  mode?: string;
  backends?: string[];
  file: string;
  bytes: number;
  sha256: string;
  recommended?: boolean;
  /** Quality and size checks the build ran; a variant with a failed gate is never chosen by precision `auto`. */
  gates?: Record<string, { passed?: boolean }>;
}

export interface ManifestModel {
  id: string;
  version: string;
  file: string;
  bytes: number;
  sha256: string;
  variants?: ManifestVariant[];
  /** The drift-monitoring reference profile made from this version (see `edge-infer profile`), verified like weights. */
  profile?: { file: string; bytes: number; sha256: string };
  /** Which of this id's versions each unit gets (at most one entry per id carries it; see store/rollout.ts). */
  rollout?: Rollout;
  /** What `model.predict()` does before and after the model (see processors/spec.ts). */
  pre?: Processors['pre'];
  post?: Processors['post'];
}

export interface Manifest {
  models: ManifestModel[];
}

/** The ONNX protobuf limit: larger models keep weights in external data, which is not supported. */
export const MAX_MODEL_BYTES = 2 ** 31;

/** Checks the fields the runtime relies on; everything else in the manifest is left alone. */
export function parseManifest(value: unknown, url: string): Manifest {
  const fail = (what: string): never => {
    throw new EdgeInferError('manifest-invalid', `manifest ${url}: ${what}; expected { models: [{ id, version, file, bytes, sha256 }] }`, { url });
  };
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Manifest).models)) fail('no "models" array');
  const models = (value as Manifest).models;
  models.forEach((m, i) => {
    const where = `models[${i}]`;
    if (typeof m !== 'object' || m === null) fail(`${where} is not an object`);
    for (const key of ['id', 'version', 'file'] as const) {
      if (typeof m[key] !== 'string' || m[key] === '') fail(`${where}.${key} must be a non-empty string`);
    }
    checkFile(m, where, url, fail);
    if (m.profile !== undefined) {
      if (typeof m.profile !== 'object' || m.profile === null || typeof m.profile.file !== 'string') fail(`${where}.profile must be { file, bytes, sha256 }`);
      checkFile(m.profile, `${where}.profile`, url, fail);
    }
    if (m.pre !== undefined || m.post !== undefined) checkProcessors({ pre: m.pre, post: m.post }, where, fail);
    if (m.variants !== undefined && !Array.isArray(m.variants)) fail(`${where}.variants must be an array`);
    (m.variants ?? []).forEach((v, j) => {
      const at = `${where}.variants[${j}]`;
      if (typeof v !== 'object' || v === null) fail(`${at} is not an object`);
      if (typeof v.file !== 'string' || v.file === '' || typeof v.precision !== 'string') fail(`${at} needs file and precision strings`);
      if (v.mode !== undefined && typeof v.mode !== 'string') fail(`${at}.mode must be a string`);
      if (v.backends !== undefined && !(Array.isArray(v.backends) && v.backends.every((b) => typeof b === 'string'))) fail(`${at}.backends must be an array of strings`);
      if (v.recommended !== undefined && typeof v.recommended !== 'boolean') fail(`${at}.recommended must be a boolean`);
      checkFile(v, at, url, fail);
    });
  });
  checkRollouts(models, fail);
  return value as Manifest;
}

/** At most one rollout per id, naming only versions listed for that id. */
function checkRollouts(models: ManifestModel[], fail: (what: string) => never): void {
  const versions = new Map<string, Set<string>>();
  for (const m of models) versions.set(m.id, (versions.get(m.id) ?? new Set()).add(m.version));
  const ruled = new Map<string, number>();
  models.forEach((m, i) => {
    if (m.rollout === undefined) return;
    if (ruled.has(m.id)) fail(`models[${i}].rollout: model "${m.id}" already has a rollout at models[${ruled.get(m.id)}]; give it once per id`);
    ruled.set(m.id, i);
    checkRollout(m.rollout, `models[${i}].rollout`, versions.get(m.id)!, fail);
  });
}

function checkFile(f: { file: string; bytes: unknown; sha256: unknown }, where: string, base: string, fail: (what: string) => never): void {
  if (!Number.isSafeInteger(f.bytes) || (f.bytes as number) <= 0 || (f.bytes as number) > MAX_MODEL_BYTES) {
    fail(`${where}.bytes must be a positive integer of at most ${MAX_MODEL_BYTES} (2 GiB)`);
  }
  if (!isSha256Hex(f.sha256)) fail(`${where}.sha256 must be 64 lower-case hex digits`);
  let protocol: string | undefined;
  try {
    protocol = new URL(f.file, base).protocol;
  } catch {
    fail(`${where}.file is not a valid URL`);
  }
  if (!['http:', 'https:', 'blob:'].includes(protocol!)) fail(`${where}.file must be an http(s) URL (relative to the manifest), got ${protocol}`);
}

export function findModel(manifest: Manifest, id: string, url: string): ManifestModel {
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) {
    const known = manifest.models.map((m) => m.id).join(', ');
    throw new EdgeInferError('model-unknown', `model "${id}" is not in manifest ${url} (it lists: ${known})`, { model: id, url });
  }
  return entry;
}

/** A manifest entry chosen for a load, with the assignment that chose it. */
export interface Selected {
  entry: ManifestModel;
  assignment: Assignment;
  /** The stable entry to fall back to when `entry` is a variant. */
  stable?: ManifestModel;
  /** The id's rollout, when it has one. */
  rollout?: Rollout;
}

/** A variant version this device rolled back from (see store/rollbacks.ts), and why. */
export interface RolledBack {
  version: string;
  reason: string;
}

/**
 * The entry `unit` gets. With a rollout on the id: the version its bucket falls in. Without one: the first entry
 * listed for the id (several entries without a rollout: the first wins, as before rollouts existed).
 */
export function selectModel(manifest: Manifest, id: string, unit: string, url: string, rolledBack?: RolledBack): Selected {
  const first = findModel(manifest, id, url);
  const rollout = manifest.models.find((m) => m.id === id && m.rollout)?.rollout;
  if (!rollout) return { entry: first, assignment: { version: first.version, arm: 'stable' } };
  const { version, arm } = assign(rollout, bucketOf(rollout.salt ?? '', id, unit));
  const byVersion = (v: string) => manifest.models.find((m) => m.id === id && m.version === v)!;
  if (arm === 'variant' && rolledBack?.version === version) {
    const assignment: Assignment = { version: rollout.stable, arm: 'rolled-back', from: version, reason: rolledBack.reason };
    return { entry: byVersion(rollout.stable), assignment, rollout };
  }
  return { entry: byVersion(version), assignment: { version, arm }, rollout, ...(arm === 'variant' ? { stable: byVersion(rollout.stable) } : {}) };
}

export function fileOf(entry: ManifestModel, manifestUrl: string): ModelFile {
  return { id: entry.id, version: entry.version, url: new URL(entry.file, manifestUrl).href, sha256: entry.sha256, bytes: entry.bytes };
}

/** The profile file of a manifest entry, cached under `<id>.profile` beside the model. */
export function profileFileOf(entry: ManifestModel, manifestUrl: string): ModelFile | undefined {
  const p = entry.profile;
  return p && { id: `${entry.id}.profile`, version: entry.version, url: new URL(p.file, manifestUrl).href, sha256: p.sha256, bytes: p.bytes };
}

/** `auto` takes the int8 form the manifest recommends for the backend in use, else fp32 (see `autoForms`). */
export type Precision = 'auto' | 'fp32' | 'int8';

/** A precision, or one int8 form by mode (`int8-dynamic`): what the worker asks for while `auto` measures forms. */
export type FileChoice = Precision | `int8-${string}`;

/**
 * The forms precision `auto` measures on `backend`: every int8 variant made for it whose gates all passed, else
 * fp32. fp32 is not measured beside them: a gated variant is as good by its gates, and smaller.
 */
export function autoForms(entry: ManifestModel, backend: string): FileChoice[] {
  const gated = (entry.variants ?? []).filter((v) => v.precision === 'int8' && v.mode && (!v.backends || v.backends.includes(backend))
    && Object.values(v.gates ?? {}).every((g) => g?.passed !== false));
  return gated.length > 0 ? gated.map((v) => `int8-${v.mode}` as const) : ['fp32'];
}

/** The file to load for `backend`: the fp32 model or one of its int8 variants. */
export function chooseFile(entry: ManifestModel, manifestUrl: string, precision: FileChoice, backend: string): ModelFile {
  if (precision === 'fp32') return fileOf(entry, manifestUrl);
  if (precision.startsWith('int8-')) {
    const variant = (entry.variants ?? []).find((v) => v.precision === 'int8' && `int8-${v.mode}` === precision);
    if (!variant) throw new EdgeInferError('model-unknown', `model "${entry.id}" has no ${precision} variant in manifest ${manifestUrl}`, { model: entry.id });
    return variantFile(entry, variant, manifestUrl);
  }
  const int8 = (entry.variants ?? []).filter((v) => v.precision === 'int8');
  const suited = int8.filter((v) => !v.backends || v.backends.includes(backend));
  const variant = precision === 'int8' ? (suited.find((v) => v.recommended) ?? suited[0] ?? int8[0]) : suited.find((v) => v.recommended);
  if (!variant) {
    if (precision === 'auto') return fileOf(entry, manifestUrl);
    throw new EdgeInferError('model-unknown', `model "${entry.id}" has no int8 variant in manifest ${manifestUrl}`, { model: entry.id });
  }
  return variantFile(entry, variant, manifestUrl);
}

function variantFile(entry: ManifestModel, variant: ManifestVariant, manifestUrl: string): ModelFile {
  return {
    id: entry.id,
    version: `${entry.version}+${variant.precision}${variant.mode ? `-${variant.mode}` : ''}`,
    url: new URL(variant.file, manifestUrl).href,
    sha256: variant.sha256,
    bytes: variant.bytes,
  };
}

/** The manifest version a cached file belongs to: `1.0.0+int8-dynamic` → `1.0.0`. */
export function baseVersion(version: string): string {
  const plus = version.indexOf('+');
  return plus < 0 ? version : version.slice(0, plus);
}
