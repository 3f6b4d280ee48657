// `auto`: the backend (and, for precision `auto`, the manifest's int8 form) is chosen by measuring the model on each
// option this device can run, once per device and model file; the decision is remembered in IndexedDB. WebGPU is
// not always faster: small models, and any model on a software adapter, run faster on WASM.
import { BACKENDS, type Backend } from '../backends.js';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { BackendCandidate, BackendChoice, ProbeRequest } from '../rpc/protocol.js';
import type { FileChoice } from '../store/manifest.js';
import { availability, webgpuAvailability, type GpuAdapterFacts } from './backend.js';
import { choiceKey, deviceKey, type ChoiceStore } from './choice-store.js';
import { probeFeeds } from '../probe-feeds.js';
import { openOn, runOn, signatureOf, type Opened, type OrtFor } from './session.js';

/** `budgetMs` covers the timed runs of all options (session creation and warm-up runs excluded). */
export interface ProbePlan extends ProbeRequest {
  /** What the decision is keyed by besides the file and device: the precision asked for. */
  precision: string;
}

type Fetched = { bytes: Uint8Array; sha256: string };

export interface Sources<F> {
  bytes(backend: Backend, variant?: FileChoice): Promise<F>;
  /** The forms to compare on `backend`; undefined when the request names one file. */
  forms(backend: Backend): Promise<FileChoice[] | undefined>;
}

interface Option {
  backend: Backend;
  variant?: FileChoice;
  gpu?: GpuAdapterFacts;
}

/** Opens the model on the fastest option; `warm` when the chosen session has already run. */
export async function chooseByMeasurement<F extends Fetched>(
  id: string, plan: ProbePlan, store: ChoiceStore, sources: Sources<F>, ortFor: OrtFor,
): Promise<{ opened: Opened<F>; choice: BackendChoice; warm: boolean }> {
  const candidates: BackendCandidate[] = [];
  const options: Option[] = [];
  for (const backend of BACKENDS) {
    const found = await availability(backend, !plan.softwareGpu);
    if (!found.ok) {
      candidates.push({ backend, reason: found.reason });
      continue;
    }
    const forms = await sources.forms(backend);
    for (const variant of forms ?? [undefined]) options.push({ backend, ...(forms && forms.length > 1 ? { variant } : {}), ...(found.gpu ? { gpu: found.gpu } : {}) });
  }
  const first = options[0];
  if (!first) throw unavailable(id, candidates);
  const open = (o: Option) => openOn(id, o.backend, o.gpu, () => sources.bytes(o.backend, o.variant), ortFor);
  const choiceOf = (o: Option, list: BackendCandidate[], cached: boolean): BackendChoice =>
    ({ mode: 'auto', chosen: o.backend, ...(o.variant ? { variant: o.variant } : {}), candidates: ordered(list), cached });

  // Only one option here: nothing to compare.
  if (options.length === 1) {
    const opened = await open(first);
    if (!('session' in opened)) throw unavailable(id, [...candidates, { backend: first.backend, reason: opened.reason }]);
    return { opened, choice: choiceOf(first, [...candidates, { backend: first.backend }], false), warm: false };
  }

  const gpu = await webgpuAvailability();
  const runtime = (await ortFor('wasm')).env.versions.web ?? '';
  const key = choiceKey((await sources.bytes(first.backend, first.variant)).sha256, plan.precision, deviceKey(gpu.ok ? gpu.gpu : undefined, navigator.hardwareConcurrency, navigator.userAgent));
  const remembered = await store.get(key, plan.maxAgeMs, runtime);
  const known = remembered && options.find((o) => o.backend === remembered.backend && o.variant === remembered.variant);
  if (remembered && known) {
    const opened = await open(known);
    if ('session' in opened) return { opened, choice: choiceOf(known, remembered.candidates, true), warm: false };
  }

  const timed: { option: Option; opened: Opened<F>; ms: number | undefined }[] = [];
  try {
    for (const option of options) {
      const tag = { backend: option.backend, ...(option.variant ? { variant: option.variant } : {}) };
      const opened = await open(option);
      if (!('session' in opened)) {
        candidates.push({ ...tag, reason: opened.reason });
        continue;
      }
      const entry: (typeof timed)[number] = { option, opened, ms: undefined };
      timed.push(entry); // released with the others if timing throws
      const result = await time(opened, id, plan, plan.budgetMs / options.length);
      candidates.push(typeof result === 'number' ? { ...tag, ms: result } : { ...tag, reason: result });
      if (typeof result === 'number') entry.ms = result;
    }
  } catch (error) {
    await Promise.all(timed.map((t) => t.opened.session.release()));
    throw error;
  }
  // Fastest measured, the smaller file on a near tie; if the probe failed everywhere (inputs the model rejects), the first that opened.
  const measured = timed.filter((t) => t.ms !== undefined).sort((a, b) => a.ms! - b.ms!);
  const near = measured.filter((t) => t.ms! <= measured[0]!.ms! * 1.05 + 0.005);
  const best = near.sort((a, b) => a.opened.fetched.bytes.byteLength - b.opened.fetched.bytes.byteLength)[0] ?? timed[0];
  if (!best) throw unavailable(id, candidates);
  await Promise.all(timed.filter((t) => t !== best).map((t) => t.opened.session.release()));
  const choice = choiceOf(best.option, candidates, false);
  await store.set(key, { backend: choice.chosen, ...(choice.variant ? { variant: choice.variant } : {}), candidates: choice.candidates, at: Date.now(), runtime });
  return { opened: best.opened, choice, warm: best.ms !== undefined };
}

/** Median ms of timed runs after one warm-up run, within `shareMs` (at least one timed run); or why the probe failed. */
async function time(opened: Opened<Fetched>, id: string, plan: ProbePlan, shareMs: number): Promise<number | string> {
  const feeds = plan.feeds ?? probeFeeds(signatureOf(opened.fetched.bytes, opened.session).inputs);
  if (!feeds) return 'probe skipped: an input is too large to make up; pass probeFeeds';
  try {
    await runOn(opened, id, feeds);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 100 && (times.length === 0 || performance.now() - start < shareMs)) {
      const t0 = performance.now();
      await runOn(opened, id, feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return Math.round(times[times.length >> 1]! * 1000) / 1000;
  } catch (error) {
    return `probe failed: ${toEdgeInferError(error, 'inference-failed', 'run failed').message}`;
  }
}

function ordered(candidates: BackendCandidate[]): BackendCandidate[] {
  return [...candidates].sort((a, b) => BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend));
}

function unavailable(id: string, candidates: BackendCandidate[]): EdgeInferError {
  const reasons = ordered(candidates).map((c) => `${c.backend}: ${c.reason ?? 'not usable'}`);
  return new EdgeInferError('backend-unavailable', `no backend could run model "${id}": ${reasons.join('; ')}`, { model: id, reasons });
}
