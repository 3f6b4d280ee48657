// Drift monitoring of one model in the worker. A sampled run's tensors are copied before its reply leaves (their
// buffers move to the main thread with it; a copy into kept arrays costs about what a memcpy does), and binned after,
// so monitoring adds no feature arithmetic to the caller's wait. Full windows go to the main thread for scoring.
import { EdgeInferError } from '../errors.js';
import { bindRows, rowFeatures, type FeaturePlan } from '../monitor/features.js';
import { checkProfileMatches, parseProfile, planOfProfile } from '../monitor/profile.js';
import type { LoadEvent, LoadReply, LoadRequest } from '../rpc/protocol.js';
import type { Signature } from './onnx-signature.js';
import type { ModelSources } from './sources.js';
import type { Profile } from '../monitor/profile-types.js';
import { DriftWindow, type WindowCounts } from '../monitor/window.js';
import type { RunTap } from '../rpc/run-port.js';
import type { Tensor, TypedArray } from '../tensor.js';

type Tensors = Record<string, Pick<Tensor, 'data'>>;

export class MonitorTap implements RunTap {
  private readonly plan: FeaturePlan;
  private readonly window: DriftWindow;
  private readonly row: Float64Array;
  /** Copies of the runs captured since the last drain, in arrays reused from one message to the next. */
  private readonly kept: { inputs: Record<string, { data: TypedArray }>; outputs: Record<string, { data: TypedArray }> }[] = [];
  private captured = 0;

  constructor(
    profile: Profile,
    windowSize: number,
    private readonly sampleRate: number,
    private readonly onWindow: (window: WindowCounts) => void,
    private readonly random: () => number = Math.random,
  ) {
    this.plan = planOfProfile(profile);
    this.window = new DriftWindow(profile, windowSize);
    this.row = new Float64Array(profile.features.length);
  }

  /** Before the reply is posted: copies the tensors the profile reads, for a sampled run. */
  capture(inputs: Tensors, outputs: Tensors): void {
    if (this.sampleRate < 1 && this.random() >= this.sampleRate) return;
    const slot = (this.kept[this.captured++] ??= { inputs: {}, outputs: {} });
    for (const g of this.plan.groups) {
      const from = (g.kind === 'input' ? inputs : outputs)[g.tensor]?.data as TypedArray | undefined;
      const into = g.kind === 'input' ? slot.inputs : slot.outputs;
      if (!from) {
        delete into[g.tensor]; // the run is then dropped by drain(), never binned with stale values
        continue;
      }
      const have = into[g.tensor];
      if (have && have.data.length === from.length && have.data.constructor === from.constructor) (have.data as { set(a: TypedArray): void }).set(from);
      else into[g.tensor] = { data: from.slice() };
    }
  }

  fail(): void {}

  /** After the reply left: bins the captured rows; each full window goes to `onWindow`. */
  drain(): void {
    for (let i = 0; i < this.captured; i++) {
      let bound;
      try {
        bound = bindRows(this.plan, this.kept[i]!);
      } catch {
        continue; // rows the profile cannot read (a tensor missing or of another length) are not monitored
      }
      for (let r = 0; r < bound.rows; r++) {
        this.window.add(rowFeatures(bound, r, this.row));
        if (this.window.full) this.onWindow(this.window.take());
      }
    }
    this.captured = 0;
  }
}

/**
 * The profile to monitor a model with. A profile the app passed must fit the model (else the load fails); one the
 * manifest names may be missing, unreachable or wrong: the model then runs unmonitored, with a warning.
 */
export async function profileFor(sources: ModelSources, request: LoadRequest, signature: Signature, signal: AbortSignal, emit: (event: LoadEvent) => void): Promise<LoadReply['monitor']> {
  const { profile: given, windowSize } = request.monitor!;
  try {
    // A profile the app passed was parsed on the main thread already (load options).
    const profile = given === 'manifest' ? await manifestProfile(sources, request, signal) : given;
    checkProfileMatches(profile, signature.inputs, signature.outputs);
    return { profile, windowSize };
  } catch (error) {
    if (given !== 'manifest' || (error as EdgeInferError).code === 'aborted') throw error;
    const message = `model "${request.id}" runs unmonitored: ${(error as Error).message}`;
    emit({ type: 'warning', id: request.id, code: 'monitor-off', message });
    return { off: message };
  }
}

async function manifestProfile(sources: ModelSources, request: LoadRequest, signal: AbortSignal): Promise<Profile> {
  const bytes = await sources.profile(request, signal);
  if (!bytes) throw new EdgeInferError('profile-invalid', 'its manifest entry names no profile (pass monitor.profile, or add one with `edge-infer profile`)');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new EdgeInferError('profile-invalid', 'its profile is not JSON');
  }
  return parseProfile(json);
}
