// The lab's matrix runner: every model × variant × backend × batch size, measured on this device, each row compared
// with fp32 on WASM (1 thread) on the same inputs. The variants of a model on one backend are loaded together and
// timed in alternation (cells.ts), so their ratios are fair on a noisy device. One failing cell becomes a row with
// an error, never the run's end.
import type { LoadEvent, Model, Tensor, ValueInfo } from '../../src/index.js';
import { errorOf, loadVariant, measure, timed } from './cells.js';
import { BACKEND_OF, deviceFacts, LabRuntimes } from './device.js';
import { batchable, makeInputs } from './inputs.js';
import { evaluateQuality } from './quality.js';
import { recommend } from './recommend.js';
import { agreement, classifierOutput } from './stats.js';
import type { LabBackendKey, LabConfig, LabModelResult, LabModelSource, LabProgress, LabReport, LabRow, LabRunOptions, QualityDetail, VariantFile, VariantName } from './types.js';

/** One variant on one backend key; `emit: false` for an fp32 reference the config did not ask rows for. */
interface Unit {
  variant: VariantName;
  emit: boolean;
}

/** The units of one backend key, measured together. */
interface Group {
  key: LabBackendKey;
  units: Unit[];
}

/** What a model's groups share: the reference's outputs per batch size and quality detail, the rows so far. */
interface ModelRun {
  source: LabModelSource;
  result: LabModelResult;
  reference: Map<number, Record<string, Tensor>>;
  referenceDetail: QualityDetail | undefined;
  /** Whether the reference's quality ran: other units' frame agreement needs its detail. */
  referenceQuality: boolean;
  /** The batch sizes that apply, once a load told the signature. */
  batches: number[] | undefined;
  /** Sort key of each emitted row: its unit's place in the config's order. */
  order: Map<LabRow, number>;
}

/** A unit while its group runs. */
interface Member {
  unit: Unit;
  file: VariantFile;
  rows: LabRow[];
  model?: Model;
  loadMs: LabRow['loadMs'];
  error?: { code: string; message: string };
}

/** Runs the matrix; resolves with what was measured (`stopped: true` when `signal` ended it early). */
export async function runLab(options: LabRunOptions): Promise<LabReport> {
  const { config, sources, signal } = options;
  const runtimes = new LabRuntimes();
  const progress = new Progress(options.onProgress, sources.reduce((n, s) => n + cellsOf(plan(s, config), s, config, config.batches.length), 0));
  const models: LabModelResult[] = [];
  try {
    const device = await deviceFacts(runtimes);
    for (const source of sources) {
      if (signal?.aborted) break;
      models.push(await runModel(source, options, runtimes, progress));
    }
    return { schema: 'edge-infer-lab/1', createdAt: new Date().toISOString(), device, config, models, stopped: signal?.aborted === true };
  } finally {
    await runtimes.dispose();
  }
}

/**
 * The groups of a model in the order they run: wasm-1 first, where fp32 is the reference (it runs there even when
 * the config asks no rows of it, unless fp32 rows are asked and wasm-1 is not: then the first backend's fp32 is).
 * An fp32 unit that only serves as the reference runs only while no reference exists yet.
 */
function plan(source: LabModelSource, config: LabConfig): Group[] {
  const has = (variant: VariantName) => source.variants.some((v) => v.variant === variant);
  const emitFp32 = config.variants.includes('fp32');
  const keys = new Set<LabBackendKey>(emitFp32 && !config.backends.includes('wasm-1') ? config.backends : ['wasm-1', ...config.backends]);
  const groups: Group[] = [];
  for (const key of keys) {
    const selected = config.backends.includes(key);
    const units: Unit[] = has('fp32') ? [{ variant: 'fp32', emit: emitFp32 && selected }] : [];
    if (selected) for (const variant of config.variants) if (variant !== 'fp32' && has(variant)) units.push({ variant, emit: true });
    if (units.length > 0) groups.push({ key, units });
  }
  return groups;
}

/** Cells counted up front: a cell per emitted unit and batch size, plus the quality step; one hidden reference. */
function cellsOf(groups: readonly Group[], source: LabModelSource, config: LabConfig, batches: number): number {
  const units = groups.flatMap((g) => g.units);
  const counted = units.filter((u) => u.emit).length + (units.some((u) => !u.emit) ? 1 : 0);
  return counted * (batches + (config.quality && source.bundled ? 1 : 0));
}

async function runModel(source: LabModelSource, options: LabRunOptions, runtimes: LabRuntimes, progress: Progress): Promise<LabModelResult> {
  const { config, signal } = options;
  const result: LabModelResult = {
    model: source.id, bundled: source.bundled, inputs: [], outputs: [],
    ...(source.quantizeError ? { quantizeError: source.quantizeError } : {}),
    rows: [], recommendation: { text: '' },
  };
  const run: ModelRun = { source, result, reference: new Map(), referenceDetail: undefined, referenceQuality: false, batches: undefined, order: new Map() };
  let hidden = 0;
  for (const group of plan(source, config)) {
    if (signal?.aborted) break;
    const units = group.units.filter((u) => u.emit || run.reference.size === 0);
    const extra = units.filter((u) => !u.emit).length;
    if (extra > 0 && hidden++ > 0) progress.add(extra * (perUnit(run, config) + (config.quality && source.bundled ? 1 : 0)));
    if (units.length > 0) await runGroup(group.key, units, run, options, runtimes, progress);
  }
  const rank = (row: LabRow) => run.order.get(row) ?? 0;
  result.rows.sort((a, b) => rank(a) - rank(b) || a.batch - b.batch);
  result.recommendation = recommend(result.rows);
  return result;
}

const perUnit = (run: ModelRun, config: LabConfig) => (run.batches ?? config.batches).length;

async function runGroup(key: LabBackendKey, units: Unit[], run: ModelRun, options: LabRunOptions, runtimes: LabRuntimes, progress: Progress): Promise<void> {
  const { config, signal } = options;
  const { source } = run;
  const threads = await runtimes.threads(key).catch(() => 1);
  const members: Member[] = units.map((unit) => ({ unit, file: source.variants.find((v) => v.variant === unit.variant)!, rows: [], loadMs: { cold: null, warm: null } }));
  const referenceHere = run.reference.size === 0 ? members.find((m) => m.unit.variant === 'fp32') : undefined;
  const row = (m: Member, batch: number): LabRow => ({
    variant: m.unit.variant, backend: BACKEND_OF[key], threads, batch, bytes: m.file.bytes, loadMs: m.loadMs,
    firstMs: null, p50Ms: null, p95Ms: null, perSecond: null, runs: 0, agreement: null,
  });
  const fail = (m: Member, error: { code: string; message: string }) => {
    m.error = error;
    for (const batch of run.batches ?? config.batches) m.rows.push({ ...row(m, batch), error });
    progress.skip(perUnit(run, config));
  };

  const reason = await runtimes.unavailable(key);
  for (const m of members) {
    if (reason) fail(m, { code: 'backend-unavailable', message: reason });
    else if (signal?.aborted) fail(m, { code: 'aborted', message: 'stopped before this variant loaded' });
    else {
      const label = `${m.unit.variant} · ${key}`;
      progress.report(source.id, label, 'load');
      const downloads = (event: LoadEvent) => {
        if (event.type === 'download') progress.report(source.id, label, 'load', { loaded: event.loaded, total: event.total });
      };
      try {
        const loaded = await loadVariant(await runtimes.ready(key), BACKEND_OF[key], `${source.id}@${m.unit.variant}`, m.file, downloads);
        m.model = loaded.model;
        m.loadMs = { cold: loaded.cold, warm: loaded.warm };
        if (run.batches === undefined) learnSignature(run, loaded.model.inputs, loaded.model.outputs, config, progress);
      } catch (error) {
        fail(m, errorOf(error));
      }
    }
  }

  for (const batch of run.batches ?? []) {
    const loaded = members.filter((m) => m.model && !m.error);
    if (loaded.length === 0 || signal?.aborted) break;
    progress.report(source.id, `${key} · batch ${batch}`, 'runs');
    const cells: { member: Member; model: Model; feeds: Record<string, Tensor> }[] = [];
    for (const m of loaded) {
      try {
        cells.push({ member: m, model: m.model!, feeds: makeInputs(m.model!.inputs, source, batch) });
      } catch (error) {
        m.rows.push({ ...row(m, batch), error: errorOf(error) });
      }
    }
    const measured = await measure(cells, config, () => signal?.aborted === true);
    const ref = cells.findIndex((c) => c.member === referenceHere);
    const refRun = measured[ref];
    if (refRun && 'outputs' in refRun) run.reference.set(batch, refRun.outputs);
    for (const [i, { member }] of cells.entries()) {
      const got = measured[i]!;
      const r = row(member, batch);
      if ('error' in got) r.error = got.error;
      else Object.assign(r, timed(batch, got), { agreement: compare(got.outputs, run.reference.get(batch)) });
      member.rows.push(r);
    }
    progress.skip(loaded.length);
  }

  if (config.quality && source.bundled) await qualityOf(members, key, referenceHere, run, signal, progress);
  await Promise.all(members.map((m) => m.model?.dispose().catch(() => undefined)));

  for (const m of members) {
    if (!m.unit.emit) continue;
    const order = config.variants.indexOf(m.unit.variant) * 100 + config.backends.indexOf(key);
    for (const r of m.rows) {
      run.order.set(r, order);
      run.result.rows.push(r);
      options.onRow?.(source.id, r);
    }
  }
}

/** Held-out quality of each loaded member, the reference first (the others' frame agreement needs its detail). */
async function qualityOf(members: Member[], key: LabBackendKey, reference: Member | undefined, run: ModelRun, signal: AbortSignal | undefined, progress: Progress) {
  for (const m of members) {
    const isReference = m === reference;
    if (m.model && !m.error && !signal?.aborted && (isReference || run.referenceQuality)) {
      progress.report(run.source.id, `${m.unit.variant} · ${key}`, 'quality');
      try {
        const found = await evaluateQuality(run.source.id, m.model, isReference ? undefined : run.referenceDetail, signal);
        if (found) {
          for (const r of m.rows) if (!r.error) r.quality = found.quality;
          (run.result.detail ??= {})[`${m.unit.variant}/${key}`] = found.detail;
        }
        if (isReference) [run.referenceQuality, run.referenceDetail] = [true, found?.detail];
      } catch {
        // a failed or stopped evaluation leaves the rows without quality
      }
    }
    progress.skip(1);
  }
}

/** Agreement with the reference's outputs at this batch size; null without them or when the shapes differ. */
function compare(outputs: Record<string, Tensor>, reference: Record<string, Tensor> | undefined): LabRow['agreement'] {
  if (!reference) return null;
  try {
    return agreement(outputs, reference, classifierOutput(reference));
  } catch {
    return null;
  }
}

/** The first load tells the signature, hence which batch sizes apply (the progress total shrinks accordingly). */
function learnSignature(run: ModelRun, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], config: LabConfig, progress: Progress): void {
  run.result.inputs = inputs.map((v) => ({ ...v, dims: v.dims && [...v.dims] }));
  run.result.outputs = outputs.map((v) => ({ ...v, dims: v.dims && [...v.dims] }));
  run.batches = batchable(inputs, run.source.fixed) ? [...config.batches] : config.batches.filter((b) => b === 1);
  const dropped = config.batches.length - run.batches.length;
  const units = plan(run.source, config).flatMap((g) => g.units);
  const counted = units.filter((u) => u.emit).length + (units.some((u) => !u.emit) ? 1 : 0);
  progress.add(-dropped * counted);
}

/** done/total cells, reported when a cell starts and when it ends (or is given up). */
class Progress {
  private done = 0;
  private last: Omit<LabProgress, 'done' | 'total'> | undefined;
  constructor(private readonly emit: ((p: LabProgress) => void) | undefined, private total: number) {}

  report(model: string, cell: string, phase: LabProgress['phase'], download?: LabProgress['download']): void {
    this.last = { model, cell, phase, ...(download ? { download } : {}) };
    this.send();
  }

  skip(cells: number): void {
    this.done += cells;
    this.send();
  }

  add(cells: number): void {
    this.total += cells;
  }

  private send(): void {
    if (this.last) this.emit?.({ done: this.done, total: Math.max(this.total, this.done), ...this.last });
  }
}
