// One variant on one backend: its loads (cold from the network, warm from IndexedDB) and its timed runs at one
// batch size. Times are what an app waits for: performance.now() around `await model.run(feeds)`.
import { EdgeInferError, isEdgeInferError, type Backend, type LoadEvent, type Model, type Runtime, type Tensor } from '../../src/index.js';
import { sha256Hex } from '../../src/store/integrity.js';
import { LabError } from './inputs.js';
import { settled, percentile } from './stats.js';
import type { LabConfig, LabRow, VariantFile } from './types.js';

export interface Loaded {
  model: Model;
  cold: number | null;
  warm: number | null;
  /** How the file reached the SDK: its URL, a blob: URL made from dropped bytes, or the bytes themselves. */
  via: 'url' | 'blob' | 'bytes';
}

/** Errors that mean the SDK would not fetch a blob: URL, so a dropped file goes in as bytes instead. */
const BLOB_REFUSED = new Set(['options-invalid', 'origin-not-allowed', 'model-fetch-failed', 'model-unavailable-offline']);

/**
 * Loads `file` twice: cold (its cached copy deleted first, so it is downloaded, verified and stored) then warm (from
 * IndexedDB); the warm model is returned. Cold is measured only when the file can be fetched now: offline, the cache
 * is kept and cold is null. Dropped bytes go through a blob: URL with their SHA-256, so they are cached alike.
 */
export async function loadVariant(runtime: Runtime, backend: Backend, id: string, file: VariantFile, onProgress?: (event: LoadEvent) => void): Promise<Loaded> {
  if (file.url) {
    const online = await reachable(file.url);
    return { ...(await coldWarm(runtime, backend, id, file.url, file.sha256, file.bytes, online, onProgress)), via: 'url' };
  }
  if (!file.data) throw new LabError('not-onnx', `variant ${file.variant} of "${id}" has neither a URL nor bytes`);
  const sha256 = globalThis.crypto?.subtle ? await sha256Hex(file.data) : undefined; // none outside a secure context
  const url = sha256 ? URL.createObjectURL(new Blob([file.data as Uint8Array<ArrayBuffer>])) : undefined;
  try {
    if (url) return { ...(await coldWarm(runtime, backend, id, url, sha256, file.data.byteLength, true, onProgress)), via: 'blob' };
  } catch (error) {
    if (!(isEdgeInferError(error) && BLOB_REFUSED.has(error.code))) throw error;
  } finally {
    if (url) URL.revokeObjectURL(url);
    // The user's file is not the lab's to keep: its cached copy goes once its loads are measured.
    await runtime.storage.delete(id).catch(() => undefined);
  }
  const model = await runtime.load({ bytes: file.data, id }, { backend, warmup: false });
  return { model, cold: model.loadMs, warm: null, via: 'bytes' };
}

async function coldWarm(
  runtime: Runtime, backend: Backend, id: string, url: string, sha256: string | undefined, size: number, online: boolean,
  onProgress: ((event: LoadEvent) => void) | undefined,
): Promise<Omit<Loaded, 'via'>> {
  const load = () => runtime.load({ url, id, ...(sha256 ? { sha256 } : {}), ...(size > 0 ? { size } : {}) }, { backend, warmup: false, ...(onProgress ? { onProgress } : {}) });
  if (online && sha256) await runtime.storage.delete(id);
  const first = await load();
  // Without a sha256 nothing is cached; offline the first load is the warm one (or fails).
  if (!sha256 || !online) return { model: first, cold: sha256 ? null : first.loadMs, warm: first.source === 'cache' ? first.loadMs : null };
  const cold = first.source === 'network' ? first.loadMs : null;
  await first.dispose();
  const second = await load();
  return { model: second, cold, warm: second.source === 'cache' ? second.loadMs : null };
}

/** Whether the file can be fetched right now (a HEAD request past the HTTP cache); false offline. */
async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { method: 'HEAD', cache: 'no-store' })).ok;
  } catch {
    return false;
  }
}

export interface Measured {
  firstMs: number;
  /** The first run's outputs, for agreement (runs of one session on the same inputs give the same outputs). */
  outputs: Record<string, Tensor>;
  timings: number[];
}

/** Longest wait for one run before the cell is given up (a software GPU at batch 64 takes seconds, not minutes). */
const RUN_TIMEOUT_MS = 60_000;

/** One model with its inputs at one batch size. */
export interface Cell {
  model: Model;
  feeds: Record<string, Tensor>;
}

/**
 * Times several models in rounds, one run of each per round, so what slows the device meanwhile (another tab, a
 * compile, a busy core) falls on every model alike and their ratios hold; one model after the other would hand the
 * first one the page's start-up and JIT cost. The order turns each round. Each model's first run (compiles kernels,
 * sizes buffers) is timed on its own. Rounds go on while any model has fewer than `minRuns` runs or an unsettled
 * median, up to `maxRuns`, and end after `budgetMs` per model (at least one timed run each: a software GPU must not
 * take minutes). `stop()` true ends the rounds early. A model whose run fails gets its error; the others go on.
 */
export async function measure(cells: readonly Cell[], config: Pick<LabConfig, 'minRuns' | 'maxRuns' | 'budgetMs'>, stop: () => boolean): Promise<(Measured | { error: { code: string; message: string } })[]> {
  const run = async (cell: Cell) => {
    const t0 = performance.now();
    const result = await cell.model.run(cell.feeds, { timeoutMs: RUN_TIMEOUT_MS });
    return { ms: performance.now() - t0, outputs: result.outputs as Record<string, Tensor> };
  };
  const results: (Measured | { error: { code: string; message: string } })[] = [];
  for (const cell of cells) {
    try {
      const first = await run(cell);
      results.push({ firstMs: first.ms, outputs: first.outputs, timings: [] });
    } catch (error) {
      results.push({ error: errorOf(error) });
    }
  }
  const live = () => results.filter((r): r is Measured => 'timings' in r);
  const maxRuns = Math.max(1, config.maxRuns);
  const enough = (r: Measured) => r.timings.length >= maxRuns || (r.timings.length >= config.minRuns && settled(r.timings));
  const started = performance.now();
  const budget = config.budgetMs * cells.length;
  let round = -1;
  for (;;) {
    const measuring = live();
    if (measuring.length === 0 || measuring.every(enough)) break;
    const everyTimed = measuring.every((r) => r.timings.length > 0);
    if (everyTimed && (performance.now() - started >= budget || stop())) break;
    // Each round starts one model later, so no model always runs right after the same other one.
    round++;
    for (let k = 0; k < cells.length; k++) {
      const i = (k + round) % cells.length;
      const cell = cells[i]!;
      const result = results[i]!;
      if (!('timings' in result) || result.timings.length >= maxRuns) continue;
      try {
        result.timings.push((await run(cell)).ms);
      } catch (error) {
        results[i] = { error: errorOf(error) };
      }
    }
  }
  return results;
}

/** The numbers of a row from its timings. */
export function timed(batch: number, m: Measured): Pick<LabRow, 'firstMs' | 'p50Ms' | 'p95Ms' | 'perSecond' | 'runs' | 'timings'> {
  const p50Ms = percentile(m.timings, 50);
  return { firstMs: m.firstMs, p50Ms, p95Ms: percentile(m.timings, 95), perSecond: p50Ms > 0 ? batch / (p50Ms / 1000) : null, runs: m.timings.length, timings: m.timings };
}

/** A row's error: the SDK's or the lab's code and message; anything else by its name only (its text may echo inputs). */
export function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof EdgeInferError || error instanceof LabError) return { code: error.code, message: error.message };
  if (error instanceof DOMException && error.name === 'AbortError') return { code: 'aborted', message: 'stopped' };
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'lab-failed', message: `unexpected ${name} while measuring this cell` };
}
