// runtime.pipeline() and runtime.ensemble(): models (and for pipelines, processors) of one runtime composed in its
// worker. Everything that can be checked is checked when they are made (models live and of this runtime, each step's
// inputs fed by the step before with the same dtype and compatible dims, members with the same signature), not at
// the first run. The pipeline's steps and their checks: pipeline-plan.ts; running it: pipeline.ts.
import { EdgeInferError, shown } from '../errors.js';
import { validateFeeds, type Tensor, type ValueInfo } from '../tensor.js';
import type { ComposedReply } from '../worker/compose.js';
import { setOwn } from '../own.js';
import { fits, names, planPipeline, type Composable } from './pipeline-plan.js';
import { Pipeline, type WorkerCall } from './pipeline.js';

export type { Composable, GateStep, JoinStep, ModelStep, PipelineStep, PipelineStepKind, PostStep, PreStep, SplitStep } from './pipeline-steps.js';
export type { GateFrame, Pipeline, PipelineChunk, PipelineItem, PipelineResult, PipelineStream, PipelineValue } from './pipeline.js';

export interface ComposeHost {
  /** The model's handle in this runtime's live worker; throws when it is not this runtime's, or its worker is gone. */
  handleOf(model: Composable): number;
  /**
   * A worker that holds all these models (by `handleOf`), their handles there, and calls to it: a pipeline runs in one
   * worker, and a pipeline stream keeps talking to the worker it was opened on.
   */
  together(ids: number[]): { handles: number[]; call: WorkerCall };
  ensemble(handles: number[], feeds: Record<string, Tensor>, combine: 'mean' | 'vote'): Promise<ComposedReply>;
}

export interface ComposedResult {
  /** The members' combined outputs. */
  outputs: Record<string, Tensor>;
  /** `session.run` time per member, in ms, in order. */
  ms: number[];
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

/** Checks the steps now (see pipeline-plan.ts); the pipeline runs them in the worker. */
export function makePipeline(host: ComposeHost, steps: unknown): Pipeline {
  const id = (model: Composable, at: string) => live(host, model, at);
  return new Pipeline({ id, together: (ids) => host.together(ids) }, planPipeline(steps, id));
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

function byName(inputs: readonly ValueInfo[], tensors: readonly Tensor[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  inputs.forEach((info, i) => setOwn(out, info.name, tensors[i]!));
  return out;
}

const invalid = (message: string) => new EdgeInferError('options-invalid', message);
