// The checks `runtime.pipeline()` makes when a pipeline is made (its steps: pipeline-steps.ts): what each step takes
// must be what the step before gives (an image, a list of them, tensors with the right names, dtypes and fixed dims,
// predictions, speech frames). Errors name the step and the field (`options-invalid`, details { step, field }).
import { EdgeInferError, shown } from '../errors.js';
import { checkProcessors, type AudioPre, type ClassesPost, type ImagePre, type ValuesPost } from '../processors/spec.js';
import type { ValueInfo } from '../tensor.js';
import type { GateSpec } from '../worker/pipeline-gate.js';
import type { StepSpec } from '../worker/pipeline-run.js';
import type { Composable, PipelineStepKind } from './pipeline-steps.js';

export type { Composable, PipelineStepKind } from './pipeline-steps.js';

/** A step ready to run: `handle` is filled in from `model` at each run (the model must still be live). */
export interface PlannedStep {
  model?: Composable;
  spec: StepSpec;
}

export interface PipelinePlan {
  kinds: PipelineStepKind[];
  /** What `run()` takes: feeds for a model first, an image for a pre or split first, PCM chunks for a gate first. */
  takes: 'feeds' | 'image' | 'audio';
  /** The first step's model, whose inputs the feeds must fit (a model first). */
  first?: Composable;
  gate?: { model: Composable; spec: GateSpec };
  /** The steps after a gate, or all of them. */
  steps: PlannedStep[];
}

type ItemKind = 'image' | 'outputs' | 'prediction' | 'audio';
/** What a step gives: one item or a list, and for tensors their names, dtypes and dims. */
interface Flow {
  kind: ItemKind;
  list: boolean;
  values: readonly ValueInfo[];
  /** The step that made it, as errors name it. */
  by: string;
}

const FIELDS: Record<PipelineStepKind, string[]> = {
  model: ['model', 'inputs', 'each'], pre: ['pre', 'each'], split: ['split', 'minGap', 'threshold', 'invert'],
  post: ['post', 'topK', 'each'], join: ['join', 'separator'], gate: ['gate', 'threshold'],
};
const KINDS = Object.keys(FIELDS) as PipelineStepKind[];

/** Checks the steps; `live` returns a model's handle or throws (`model-disposed`, or not this runtime's model). */
export function planPipeline(raw: unknown, live: (model: Composable, at: string) => number): PipelinePlan {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 16) throw invalid(`pipeline() takes 1 to 16 steps, got ${shown(raw)}`, {});
  const plan: PipelinePlan = { kinds: [], takes: 'feeds', steps: [] };
  let flow: Flow | undefined;
  raw.forEach((value: unknown, i) => {
    const n = i + 1;
    const { kind, step } = parse(value, n);
    plan.kinds.push(kind);
    const fail = (field: string, what: string): never => {
      throw invalid(`${labelOf(kind, step, n)}: ${what}`, { step: n, field });
    };
    if (step.each !== undefined && typeof step.each !== 'boolean') fail('each', `each must be a boolean, got ${shown(step.each)}`);
    const each = step.each === true;
    if (each && !flow?.list) fail('each', `each: true runs the step once per item of a list, but ${flow ? `${flow.by} gives ${gives(flow)}` : 'it is the first step'}`);
    if (flow?.list && !each && (kind === 'model' || kind === 'pre' || kind === 'post')) fail('each', `${flow.by} gives ${gives(flow)}: mark this step { each: true } to run it per item, or join the list first`);
    const takes = (want: ItemKind, field: string) => {
      if (flow && flow.kind !== want) fail(field, `takes ${gives({ kind: want, list: each })}, but ${flow.by} gives ${gives(flow)}`);
    };
    if (kind === 'model') {
      const model = step.model as Composable;
      live(model, `step ${n}`);
      if (flow) takes(flow.kind === 'audio' ? 'audio' : 'outputs', 'model');
      const inputs = matchInputs(model, step.inputs, flow, fail);
      if (!flow) plan.first = model;
      const batch = each && freeFirst(model.inputs) && freeFirst(model.outputs);
      plan.steps.push({ model, spec: { kind: 'model', handle: 0, inputs, each, batch } });
      flow = { kind: 'outputs', list: each, values: model.outputs, by: labelOf(kind, step, n) };
    } else if (kind === 'pre') {
      const pre = imagePre(step.pre, n, fail);
      takes('image', 'pre');
      if (!flow) plan.takes = 'image';
      plan.steps.push({ spec: { kind: 'pre', pre, each } });
      flow = { kind: 'outputs', list: each, values: [{ name: pre.input, dtype: 'float32', dims: shapeOf(pre) }], by: labelOf(kind, step, n) };
    } else if (kind === 'split') {
      if (step.split !== 'columns') fail('split', `split must be 'columns', got ${shown(step.split)}`);
      if (flow?.list) fail('split', `splits one image, but ${flow.by} gives ${gives(flow)}`);
      takes('image', 'split');
      if (!flow) plan.takes = 'image';
      const minGap = step.minGap ?? 2;
      if (!Number.isSafeInteger(minGap) || (minGap as number) < 0) fail('minGap', `minGap must be an integer >= 0, got ${shown(minGap)}`);
      if (step.threshold !== undefined && !(typeof step.threshold === 'number' && step.threshold >= 0 && step.threshold <= 255)) fail('threshold', `threshold must be a number from 0 to 255, got ${shown(step.threshold)}`);
      if (step.invert !== undefined && typeof step.invert !== 'boolean') fail('invert', `invert must be a boolean, got ${shown(step.invert)}`);
      // Ink is what the pre-processor after it sees as ink, unless the step says otherwise.
      // (Read as written: a pre step that is not valid fails on its own turn.)
      const next = (raw[i + 1] as { pre?: unknown } | undefined)?.pre;
      const after = (isModel(next) ? next.processors?.pre : next) as Partial<ImagePre> | undefined;
      const threshold = (step.threshold as number | undefined) ?? (after?.type === 'image' ? after.threshold : undefined) ?? 20;
      const invert = (step.invert as boolean | undefined) ?? (after?.type === 'image' ? after.invert : undefined) ?? false;
      plan.steps.push({ spec: { kind: 'split', threshold, invert, minGap: minGap as number } });
      flow = { kind: 'image', list: true, values: [], by: labelOf(kind, step, n) };
    } else if (kind === 'post') {
      if (!flow) fail('post', 'reads a model\'s outputs, so it cannot be the first step');
      let post = postOf(step.post, n, fail);
      takes('outputs', 'post');
      if (!flow!.values.some((v) => v.name === post.output)) fail('post.output', `reads output "${post.output}", which ${flow!.by} does not give (it gives ${names(flow!.values)})`);
      if (step.topK !== undefined) {
        if (post.type !== 'classes' || !Number.isSafeInteger(step.topK) || (step.topK as number) < 1) fail('topK', `topK must be an integer >= 1 for a classes post-processor, got ${shown(step.topK)}`);
        post = { ...(post as ClassesPost), topK: step.topK as number };
      }
      plan.steps.push({ spec: { kind: 'post', post, each } });
      flow = { kind: 'prediction', list: each, values: [], by: labelOf(kind, step, n) };
    } else if (kind === 'join') {
      if (step.join !== 'labels') fail('join', `join must be 'labels', got ${shown(step.join)}`);
      if (!flow?.list || flow.kind !== 'prediction') fail('join', `joins a list of predictions, but ${flow ? `${flow.by} gives ${gives(flow)}` : 'it is the first step'}`);
      const separator = step.separator ?? '';
      if (typeof separator !== 'string') fail('separator', `separator must be a string, got ${shown(separator)}`);
      plan.steps.push({ spec: { kind: 'join', separator: separator as string } });
      flow = { kind: 'prediction', list: false, values: [], by: labelOf(kind, step, n) };
    } else {
      if (flow) fail('gate', 'a gate takes the PCM pushed to pipeline.stream(), so it must be step 1');
      const model = step.gate as Composable;
      live(model, `step ${n}`);
      const spec = gateSpec(model, step.threshold, fail);
      plan.gate = { model, spec };
      plan.takes = 'audio';
      flow = { kind: 'audio', list: true, values: [{ name: 'samples', dtype: 'float32', dims: [1, spec.pre.frame] }], by: labelOf(kind, step, n) };
    }
  });
  return plan;
}

type RawStep = Record<string, unknown> & { each?: unknown };

function parse(value: unknown, n: number): { kind: PipelineStepKind; step: RawStep } {
  if (isModel(value)) return { kind: 'model', step: { model: value } };
  const kinds = typeof value === 'object' && value !== null && !Array.isArray(value) ? KINDS.filter((k) => k in value) : [];
  if (kinds.length !== 1) {
    throw invalid(`step ${n} must be a model or an object with one of the keys ${KINDS.join(', ')}; got ${kinds.length > 1 ? `an object with ${kinds.join(' and ')}` : shown(value)}`, { step: n, field: 'kind' });
  }
  const kind = kinds[0]!;
  const step = value as RawStep;
  for (const key of Object.keys(step)) {
    if (!FIELDS[kind].includes(key)) throw invalid(`${labelOf(kind, step, n)}: unknown field "${key}" (a ${kind} step takes ${FIELDS[kind].join(', ')})`, { step: n, field: key });
  }
  if (kind === 'model' && !isModel(step.model)) throw invalid(`step ${n}: model must be a loaded model, got ${shown(step.model)}`, { step: n, field: 'model' });
  return { kind, step };
}

/** The model step's inputs, each named after the output of the step before that feeds it. */
function matchInputs(model: Composable, map: unknown, flow: Flow | undefined, fail: (field: string, what: string) => never): Record<string, string> {
  map ??= {};
  if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('inputs', `inputs must be { input: previousOutput }, got ${shown(map)}`);
  for (const name of Object.keys(map as object)) if (!model.inputs.some((i) => i.name === name)) fail(`inputs.${name}`, `inputs names "${name}", which it does not have (it has ${names(model.inputs)})`);
  const inputs: Record<string, string> = {};
  if (!flow) return inputs;
  for (const info of model.inputs) {
    const from = (map as Record<string, unknown>)[info.name] ?? info.name;
    const out = flow.values.find((o) => o.name === from);
    const at = `input "${info.name}"`;
    if (!out) fail(`inputs.${info.name}`, `${at} takes "${String(from)}", which ${flow.by} does not output (it outputs ${names(flow.values)})`);
    if (out!.dtype !== info.dtype) fail(`inputs.${info.name}`, `${at} is ${info.dtype}, but ${flow.by} gives "${out!.name}" as ${out!.dtype}`);
    if (!fits(out!.dims, info.dims)) fail(`inputs.${info.name}`, `${at} is [${info.dims!.join(', ')}], but ${flow.by} gives "${out!.name}" as [${out!.dims!.join(', ')}]`);
    Object.defineProperty(inputs, info.name, { value: out!.name, enumerable: true });
  }
  return inputs;
}

function imagePre(source: unknown, n: number, fail: (field: string, what: string) => never): ImagePre {
  if (isModel(source)) {
    const pre = source.processors?.pre;
    if (pre?.type !== 'image') fail('pre', `model "${source.id}" has no image pre-processor${pre ? ` (its pre-processor is ${pre.type === 'audio' ? 'audio: for a gate or model.stream()' : pre.type})` : ''}`);
    return pre as ImagePre;
  }
  if ((source as { type?: unknown } | null)?.type !== 'image') fail('pre', `pre must be a model with an image pre-processor, or an image pre-processor ({ type: 'image', ... }), got ${shown(source)}`);
  checkProcessors({ pre: source }, `step ${n}`, (what) => fail('pre', what));
  return source as ImagePre;
}

function postOf(source: unknown, n: number, fail: (field: string, what: string) => never): ClassesPost | ValuesPost {
  const post = isModel(source) ? source.processors?.post ?? fail('post', `model "${source.id}" has no post-processor`) : source;
  if (!isModel(source)) checkProcessors({ post }, `step ${n}`, (what) => fail('post', what));
  const type = (post as { type?: unknown }).type;
  if (type !== 'classes' && type !== 'values') fail('post', `a post step runs a classes or values post-processor, not ${shown(type)}`);
  return post as ClassesPost | ValuesPost;
}

function gateSpec(model: Composable, threshold: unknown, fail: (field: string, what: string) => never): GateSpec {
  const { pre, post } = model.processors ?? {};
  if (pre?.type !== 'audio') fail('gate', `model "${model.id}" has no audio pre-processor, so it cannot gate PCM`);
  const out = post?.type === 'classes' ? model.outputs.find((o) => o.name === post.output) : undefined;
  const width = out?.dims?.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : Number.NaN), 1);
  if (post?.type !== 'classes' || width !== 1) fail('gate', `model "${model.id}" needs a classes post-processor reading one score per frame (a speech probability) to gate`);
  const t = threshold ?? (post as ClassesPost).threshold ?? 0.5;
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) fail('threshold', `threshold must be a number from 0 to 1, got ${shown(t)}`);
  return { handle: 0, pre: pre as AudioPre, post: post as ClassesPost, inputs: [...model.inputs], outputs: [...model.outputs], threshold: t as number };
}

function labelOf(kind: PipelineStepKind, step: RawStep, n: number): string {
  const source = step[kind];
  return isModel(source) ? `step ${n} (${kind === 'model' || kind === 'gate' ? kind : `${kind} of`} "${source.id}")` : `step ${n} (${kind})`;
}

function gives(flow: Pick<Flow, 'kind' | 'list'>): string {
  const one = { image: 'an image', outputs: 'tensors', prediction: 'a prediction', audio: 'a speech frame' }[flow.kind];
  const many = { image: 'a list of images', outputs: 'a list of tensor sets', prediction: 'a list of predictions', audio: 'a list of speech frames' }[flow.kind];
  return flow.list ? many : one;
}

function isModel(value: unknown): value is Composable {
  return typeof value === 'object' && value !== null && typeof (value as { isDisposed?: unknown }).isDisposed === 'boolean' && Array.isArray((value as { inputs?: unknown }).inputs);
}

/** Whether every value's first dim is free (a batch dimension), so items can be stacked on it. */
function freeFirst(values: readonly ValueInfo[]): boolean {
  return values.every((v) => v.dims !== null && v.dims.length > 0 && typeof v.dims[0] === 'string');
}

/** Whether a tensor of dims `have` can feed an input of dims `want` (free dims match anything). */
export function fits(have: ValueInfo['dims'], want: ValueInfo['dims']): boolean {
  if (!have || !want) return true;
  return have.length === want.length && have.every((d, i) => typeof d !== 'number' || typeof want[i] !== 'number' || d === want[i]);
}

function shapeOf(pre: ImagePre): number[] {
  const c = pre.channels === 'rgb' ? 3 : 1;
  return pre.layout === 'nchw' ? [1, c, pre.height, pre.width] : pre.layout === 'nhwc' ? [1, pre.height, pre.width, c] : [1, pre.width * pre.height * c];
}

export const names = (list: readonly ValueInfo[]) => list.map((v) => v.name).join(', ') || 'none';
const invalid = (message: string, details: Record<string, unknown>) => new EdgeInferError('options-invalid', message, details);
