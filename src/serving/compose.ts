// runtime.pipeline() and runtime.ensemble(): models of one runtime composed in its worker. Everything that can be
// checked is checked when they are made (models live and of this runtime, each step's inputs fed by the step before
// with the same dtype and compatible dims, members with the same signature), not at the first run.
import { EdgeInferError, shown } from '../errors.js';
import { validateFeeds, type Tensor, type ValueInfo } from '../tensor.js';
import type { ChainStep, ComposedReply } from '../worker/compose.js';
import { setOwn } from '../own.js';

/** What composing needs of a model: its signature and where it lives. */
export interface Composable {
  readonly id: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly isDisposed: boolean;
}

export interface ComposeHost {
  /** The model's handle in this runtime's live worker; throws when it is not this runtime's, or its worker is gone. */
  handleOf(model: Composable): number;
  chain(steps: ChainStep[], feeds: Record<string, Tensor>): Promise<ComposedReply>;
  ensemble(handles: number[], feeds: Record<string, Tensor>, combine: 'mean' | 'vote'): Promise<ComposedReply>;
}

/** A pipeline step: a model, and which output of the step before feeds each of its inputs (default: the same name). */
export type PipelineStep<M extends Composable = Composable> = M | { model: M; inputs?: Record<string, string> };

export interface ComposedResult {
  /** The last step's outputs, or the members' combined outputs. */
  outputs: Record<string, Tensor>;
  /** `session.run` time per step or member, in ms, in order. */
  ms: number[];
}

export class Pipeline {
  /** @internal Made by `runtime.pipeline()`. */
  constructor(
    private readonly host: ComposeHost,
    private readonly models: readonly Composable[],
    private readonly steps: readonly Omit<ChainStep, 'handle'>[],
  ) {}

  /** Feeds for the first step's inputs; the last step's outputs. */
  async run(feeds: Record<string, unknown>): Promise<ComposedResult> {
    const first = this.models[0]!;
    const tensors = byName(first.inputs, validateFeeds(first.id, first.inputs, feeds));
    const handles = this.models.map((m) => live(this.host, m));
    return this.host.chain(this.steps.map((s, i) => ({ ...s, handle: handles[i]! })), tensors);
  }
}

export class Ensemble {
  /** @internal Made by `runtime.ensemble()`. */
  constructor(
    private readonly host: ComposeHost,
    private readonly models: readonly Composable[],
    readonly combine: 'mean' | 'vote',
  ) {}

  /** Runs every member on the same feeds; their outputs combined (see `runtime.ensemble`). */
  async run(feeds: Record<string, unknown>): Promise<ComposedResult> {
    const first = this.models[0]!;
    const tensors = byName(first.inputs, validateFeeds(first.id, first.inputs, feeds));
    return this.host.ensemble(this.models.map((m) => live(this.host, m)), tensors, this.combine);
  }
}

export function makePipeline(host: ComposeHost, steps: unknown): Pipeline {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 16) throw invalid(`pipeline() takes 1 to 16 steps, got ${shown(steps)}`);
  const models: Composable[] = [];
  const chain: Omit<ChainStep, 'handle'>[] = [];
  steps.forEach((raw: unknown, k) => {
    const step = (raw as { model?: unknown })?.model !== undefined ? (raw as { model: Composable; inputs?: unknown }) : { model: raw as Composable };
    const model = step.model;
    live(host, model, `step ${k + 1}`);
    const map = step.inputs ?? {};
    if (typeof map !== 'object' || map === null) throw invalid(`step ${k + 1}: inputs must be { input: previousOutput }, got ${shown(map)}`);
    for (const name of Object.keys(map)) if (!model.inputs.some((i) => i.name === name)) throw invalid(`step ${k + 1} (model "${model.id}"): inputs names "${name}", which it does not have (it has ${names(model.inputs)})`);
    const inputs: Record<string, string> = {};
    if (k > 0) {
      const prev = models[k - 1]!;
      for (const info of model.inputs) {
        const from = (map as Record<string, unknown>)[info.name] ?? info.name;
        const out = prev.outputs.find((o) => o.name === from);
        const at = `step ${k + 1} (model "${model.id}") input "${info.name}"`;
        if (!out) throw invalid(`${at} takes "${String(from)}", which step ${k} (model "${prev.id}") does not output (it outputs ${names(prev.outputs)})`);
        if (out.dtype !== info.dtype) throw invalid(`${at} is ${info.dtype}, but step ${k}'s "${out.name}" is ${out.dtype}`);
        if (!fits(out.dims, info.dims)) throw invalid(`${at} is [${info.dims!.join(', ')}], but step ${k}'s "${out.name}" is [${out.dims!.join(', ')}]`);
        setOwn(inputs, info.name, out.name);
      }
    }
    models.push(model);
    chain.push({ inputs });
  });
  return new Pipeline(host, models, chain);
}

export function makeEnsemble(host: ComposeHost, members: unknown, options: unknown): Ensemble {
  if (!Array.isArray(members) || members.length < 2 || members.length > 16) throw invalid(`ensemble() takes 2 to 16 models, got ${shown(members)}`);
  const combine = (options as { combine?: unknown } | undefined)?.combine ?? 'mean';
  if (combine !== 'mean' && combine !== 'vote') throw invalid(`ensemble() option combine must be 'mean' or 'vote', got ${shown(combine)}`);
  const [first, ...rest] = members as Composable[];
  live(host, first!, 'member 1');
  for (const o of first!.outputs) if (o.dtype !== 'float32') throw invalid(`ensemble(): member 1 (model "${first!.id}") output "${o.name}" is ${o.dtype}; members are combined as float32 outputs`);
  rest.forEach((m, i) => {
    live(host, m, `member ${i + 2}`);
    const same = (a: readonly ValueInfo[], b: readonly ValueInfo[]) => a.length === b.length && a.every((v) => b.some((w) => w.name === v.name && w.dtype === v.dtype && fits(w.dims, v.dims)));
    if (!same(m.inputs, first!.inputs) || !same(m.outputs, first!.outputs)) {
      throw invalid(`ensemble(): member ${i + 2} (model "${m.id}") has another signature than member 1 (inputs ${names(m.inputs)} / outputs ${names(m.outputs)} against ${names(first!.inputs)} / ${names(first!.outputs)})`);
    }
  });
  return new Ensemble(host, members as Composable[], combine);
}

function live(host: ComposeHost, model: Composable, at = 'a model'): number {
  if (typeof model !== 'object' || model === null || typeof (model as { isDisposed?: unknown }).isDisposed !== 'boolean') throw invalid(`${at} is not a loaded model, got ${shown(model)}`);
  if (model.isDisposed) throw new EdgeInferError('model-disposed', `${at}: model "${model.id}" was disposed`, { model: model.id });
  return host.handleOf(model);
}

/** Whether a tensor of dims `have` can feed an input of dims `want` (free dims match anything). */
function fits(have: ValueInfo['dims'], want: ValueInfo['dims']): boolean {
  if (!have || !want) return true;
  return have.length === want.length && have.every((d, i) => typeof d !== 'number' || typeof want[i] !== 'number' || d === want[i]);
}

function byName(inputs: readonly ValueInfo[], tensors: readonly Tensor[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  inputs.forEach((info, i) => setOwn(out, info.name, tensors[i]!));
  return out;
}

const names = (list: readonly ValueInfo[]) => list.map((v) => v.name).join(', ') || 'none';
const invalid = (message: string) => new EdgeInferError('options-invalid', message);
