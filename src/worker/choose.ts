// `auto`: the backend is chosen by measuring the model on each one this device can use, once per device and model
// file; the decision is remembered in IndexedDB. WebGPU is not always faster: small models, and any model on a
// software adapter, run faster on WASM.
import { BACKENDS, type Backend } from '../backends.js';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { BackendCandidate, BackendChoice, ProbeRequest } from '../rpc/protocol.js';
import { availability, webgpuAvailability } from './backend.js';
import { choiceKey, deviceKey, type ChoiceStore } from './choice-store.js';
import { probeFeeds } from './probe-feeds.js';
import { openOn, runOn, signatureOf, type Opened, type OrtFor } from './session.js';

/** `budgetMs` covers the timed runs of all candidates (session creation and warm-up runs excluded). */
export interface ProbePlan extends ProbeRequest {
  /** What the decision is keyed by besides the file and device: the precision asked for. */
  precision: string;
}

type Fetched = { bytes: Uint8Array; sha256: string };

/** Opens the model on the fastest usable backend; the chosen session has run at least once. */
export async function chooseByMeasurement<F extends Fetched>(
  id: string, plan: ProbePlan, store: ChoiceStore, bytesFor: (backend: Backend) => Promise<F>, ortFor: OrtFor,
): Promise<{ opened: Opened<F>; choice: BackendChoice; warm: boolean }> {
  const candidates: BackendCandidate[] = [];
  const usable: { backend: Backend; gpu: Awaited<ReturnType<typeof webgpuAvailability>> }[] = [];
  for (const backend of BACKENDS) {
    const found = await availability(backend, !plan.softwareGpu);
    if (found.ok) usable.push({ backend, gpu: found });
    else candidates.push({ backend, reason: found.reason });
  }
  const first = usable[0];
  if (!first) throw unavailable(id, candidates);
  const gpuOf = (backend: Backend) => { const u = usable.find((x) => x.backend === backend)?.gpu; return u?.ok ? u.gpu : undefined; };

  const gpu = await webgpuAvailability();
  const runtime = (await ortFor('wasm')).env.versions.web ?? '';
  const key = choiceKey((await bytesFor(first.backend)).sha256, plan.precision, deviceKey(gpu.ok ? gpu.gpu : undefined, navigator.hardwareConcurrency, navigator.userAgent));
  const remembered = usable.length > 1 ? await store.get(key, plan.maxAgeMs, runtime) : undefined;
  if (remembered && usable.some((u) => u.backend === remembered.backend)) {
    const opened = await openOn(id, remembered.backend, gpuOf(remembered.backend), bytesFor, ortFor);
    if ('session' in opened) return { opened, choice: { mode: 'auto', chosen: remembered.backend, candidates: remembered.candidates, cached: true }, warm: false };
  }

  // Only one backend can run here: nothing to compare.
  if (usable.length === 1) {
    const opened = await openOn(id, first.backend, gpuOf(first.backend), bytesFor, ortFor);
    if (!('session' in opened)) throw unavailable(id, [...candidates, { backend: first.backend, reason: opened.reason }]);
    return { opened, choice: { mode: 'auto', chosen: first.backend, candidates: ordered([...candidates, { backend: first.backend }]), cached: false }, warm: false };
  }

  const timed: { opened: Opened<F>; ms: number | undefined }[] = [];
  try {
    for (const { backend } of usable) {
      const opened = await openOn(id, backend, gpuOf(backend), bytesFor, ortFor);
      if (!('session' in opened)) {
        candidates.push({ backend, reason: opened.reason });
        continue;
      }
      const result = await time(opened, id, plan, plan.budgetMs / usable.length);
      if (typeof result === 'string') candidates.push({ backend, reason: result });
      else candidates.push({ backend, ms: result });
      timed.push({ opened, ms: typeof result === 'number' ? result : undefined });
    }
  } catch (error) {
    await Promise.all(timed.map((t) => t.opened.session.release()));
    throw error;
  }
  // Fastest measured; if the probe failed everywhere (inputs the model rejects), the first that opened.
  const best = timed.filter((t) => t.ms !== undefined).sort((a, b) => a.ms! - b.ms!)[0] ?? timed[0];
  if (!best) throw unavailable(id, candidates);
  await Promise.all(timed.filter((t) => t !== best).map((t) => t.opened.session.release()));
  const choice: BackendChoice = { mode: 'auto', chosen: best.opened.backend, candidates: ordered(candidates), cached: false };
  await store.set(key, { backend: choice.chosen, candidates: choice.candidates, at: Date.now(), runtime });
  return { opened: best.opened, choice, warm: best.ms !== undefined };
}

/** Median ms of timed runs after one warm-up run, within `shareMs` (at least one timed run); or why the probe failed. */
async function time(opened: Opened<unknown> & { fetched: Fetched }, id: string, plan: ProbePlan, shareMs: number): Promise<number | string> {
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
