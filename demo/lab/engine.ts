// The lab's matrix runner: every model × variant × backend × batch size, measured on this device, each row compared
// with fp32 on WASM (1 thread) on the same inputs. One failing cell becomes a row with an error, never the run's end.
import type { LoadEvent, Model, Tensor, ValueInfo } from '../../src/index.js';
import { errorOf, loadVariant, measure, timed } from './cells.js';
import { BACKEND_OF, deviceFacts, LabRuntimes } from './device.js';
import { batchable, makeInputs } from './inputs.js';
import { evaluateQuality } from './quality.js';
import { recommend } from './recommend.js';
import { agreement, classifierOutput } from './stats.js';
import type { LabBackendKey, LabConfig, LabModelResult, LabModelSource, LabProgress, LabReport, LabRow, LabRunOptions, QualityDetail, VariantName } from './types.js';

/** One variant on one backend key; `emit: false` for the fp32 reference the config did not ask rows for. */
interface Unit {
  variant: VariantName;
  key: LabBackendKey;
  emit: boolean;
}

/** What a model's units share: its reference outputs per batch size, the reference's quality detail, its rows. */
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
  /** Units whose cells are still counted in the progress total: the one running and those to come. */
  pending: number;
}

/** Runs the matrix; resolves with what was measured (`stopped: true` when `signal` ended it early). */
export async function runLab(options: LabRunOptions): Promise<LabReport> {
  const { config, sources, signal } = options;
  const runtimes = new LabRuntimes();
  const progress = new Progress(options.onProgress, sources.reduce((n, s) => n + countUnits(plan(s, config)) * perUnit(s, config, config.batches.length), 0));
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
 * The units of a model in the order they run: fp32 first, on wasm-1 then the config's backends, so the first that
 * runs is the reference (units the config did not ask rows for run only until one succeeds); then the other variants.
 */
function plan(source: LabModelSource, config: LabConfig): Unit[] {
  const has = (variant: VariantName) => source.variants.some((v) => v.variant === variant);
  const emitFp32 = config.variants.includes('fp32');
  const first: LabBackendKey[] = emitFp32 && !config.backends.includes('wasm-1') ? [] : ['wasm-1'];
  const units: Unit[] = [];
  if (has('fp32')) {
    for (const key of new Set([...first, ...config.backends])) units.push({ variant: 'fp32', key, emit: emitFp32 && config.backends.includes(key) });
  }
  for (const variant of config.variants) {
    if (variant === 'fp32' || !has(variant)) continue;
    for (const key of config.backends) units.push({ variant, key, emit: true });
  }
  return units;
}

/** Units counted up front: every emitted one and one reference-only unit (more only when it fails). */
const countUnits = (units: readonly Unit[]) => units.filter((u) => u.emit).length + (units.some((u) => !u.emit) ? 1 : 0);
/** Cells of one unit: one per batch size plus its quality step. */
const perUnit = (source: LabModelSource, config: LabConfig, batches: number) => batches + (config.quality && source.bundled ? 1 : 0);

async function runModel(source: LabModelSource, options: LabRunOptions, runtimes: LabRuntimes, progress: Progress): Promise<LabModelResult> {
  const { config, signal } = options;
  const result: LabModelResult = {
    model: source.id, bundled: source.bundled, inputs: [], outputs: [],
    ...(source.quantizeError ? { quantizeError: source.quantizeError } : {}),
    rows: [], recommendation: { text: '' },
  };
  const run: ModelRun = { source, result, reference: new Map(), referenceDetail: undefined, referenceQuality: false, batches: undefined, order: new Map(), pending: 0 };
  const units = plan(source, config);
  let hiddenRuns = 0;
  for (const [i, unit] of units.entries()) {
    if (signal?.aborted) break;
    if (!unit.emit && run.reference.size > 0) continue;
    if (!unit.emit && hiddenRuns++ > 0) progress.add(perUnit(source, config, run.batches?.length ?? config.batches.length));
    run.pending = countUnits(units.slice(i + 1).filter((u) => u.emit)) + 1;
    await runUnit(unit, run, options, runtimes, progress);
  }
  const rank = (row: LabRow) => run.order.get(row) ?? 0;
  result.rows.sort((a, b) => rank(a) - rank(b) || a.batch - b.batch);
  result.recommendation = recommend(result.rows);
  return result;
}

async function runUnit(unit: Unit, run: ModelRun, options: LabRunOptions, runtimes: LabRuntimes, progress: Progress): Promise<void> {
  const { config, signal } = options;
  const { source, result } = run;
  const file = source.variants.find((v) => v.variant === unit.variant)!;
  const isReference = run.reference.size === 0 && unit.variant === 'fp32';
  const quality = config.quality && source.bundled;
  const rows: LabRow[] = [];
  const threads = await runtimes.threads(unit.key).catch(() => 1);
  const base = (batch: number): LabRow => ({
    variant: unit.variant, backend: BACKEND_OF[unit.key], threads, batch, bytes: file.bytes,
    loadMs: { cold: null, warm: null }, firstMs: null, p50Ms: null, p95Ms: null, perSecond: null, runs: 0, agreement: null,
  });
  const failAll = (error: { code: string; message: string }) => {
    for (const batch of run.batches ?? config.batches) rows.push({ ...base(batch), error });
    progress.skip(run.batches?.length ?? config.batches.length);
  };
  const label = (batch?: number) => `${unit.variant} · ${unit.key}${batch === undefined ? '' : ` · batch ${batch}`}`;

  let model: Model | undefined;
  const reason = await runtimes.unavailable(unit.key);
  if (reason) {
    failAll({ code: 'backend-unavailable', message: reason });
  } else {
    progress.report(source.id, label(), 'load');
    try {
      const runtime = await runtimes.ready(unit.key);
      const downloads = (event: LoadEvent) => {
        if (event.type === 'download') progress.report(source.id, label(), 'load', { loaded: event.loaded, total: event.total });
      };
      const loaded = await loadVariant(runtime, BACKEND_OF[unit.key], `${source.id}@${unit.variant}`, file, downloads);
      model = loaded.model;
      if (run.batches === undefined) learnSignature(run, model.inputs, model.outputs, config, progress);
      await measureBatches(model, { cold: loaded.cold, warm: loaded.warm }, isReference, run, rows, base, label, options, progress);
    } catch (error) {
      failAll(errorOf(error));
    }
  }

  if (quality) {
    if (model && !signal?.aborted && (isReference || run.referenceQuality)) {
      progress.report(source.id, label(), 'quality');
      try {
        const found = await evaluateQuality(source.id, model, isReference ? undefined : run.referenceDetail, signal);
        if (found) {
          for (const row of rows) if (!row.error) row.quality = found.quality;
          (result.detail ??= {})[`${unit.variant}/${unit.key}`] = found.detail;
        }
        if (isReference) [run.referenceQuality, run.referenceDetail] = [true, found?.detail];
      } catch {
        // a failed or stopped evaluation leaves the rows without quality
      }
    }
    progress.skip(1);
  }
  await model?.dispose().catch(() => undefined);

  if (!unit.emit) return;
  const order = options.config.variants.indexOf(unit.variant) * 100 + options.config.backends.indexOf(unit.key);
  for (const row of rows) {
    run.order.set(row, order);
    result.rows.push(row);
    options.onRow?.(source.id, row);
  }
}

/** The timed cells of a loaded model, one per batch size; each stops the unit early once `signal` is aborted. */
async function measureBatches(
  model: Model, loadMs: LabRow['loadMs'], isReference: boolean, run: ModelRun, rows: LabRow[],
  base: (batch: number) => LabRow, label: (batch: number) => string, options: LabRunOptions, progress: Progress,
): Promise<void> {
  const batches = run.batches ?? options.config.batches;
  for (const [i, batch] of batches.entries()) {
    if (options.signal?.aborted) {
      progress.skip(batches.length - i);
      return;
    }
    progress.report(run.source.id, label(batch), 'runs');
    const row: LabRow = { ...base(batch), loadMs };
    try {
      const feeds = makeInputs(model.inputs, run.source, batch);
      const measured = await measure(model, feeds, options.config);
      Object.assign(row, timed(batch, measured));
      if (isReference) run.reference.set(batch, measured.outputs);
      row.agreement = compare(measured.outputs, run.reference.get(batch));
    } catch (error) {
      row.error = errorOf(error);
    }
    rows.push(row);
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
  progress.add(-dropped * run.pending); // the unit loading now and those to come count fewer cells
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
