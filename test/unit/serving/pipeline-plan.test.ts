// The checks runtime.pipeline() makes before anything runs: step kinds, fan-out marks, what each step takes and
// gives; what goes to the worker (split thresholds from the pre after it, batching when the first dims are free).
import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import type { ImagePre, Processors } from '../../../src/processors/spec.js';
import { planPipeline, type Composable } from '../../../src/serving/pipeline-plan.js';
import type { ValueInfo } from '../../../src/tensor.js';

const pre: ImagePre = { type: 'image', input: 'pixels', width: 28, height: 28, channels: 'gray', layout: 'flat', fit: 'content', threshold: 30, invert: true };
const model = (id: string, inputs: ValueInfo[], outputs: ValueInfo[], processors?: Processors): Composable => ({ id, inputs, outputs, isDisposed: false, processors });
const digits = model('digits', [{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }], [{ name: 'probabilities', dtype: 'float32', dims: ['batch', 10] }], {
  pre, post: { type: 'classes', output: 'probabilities' },
});
const fixed = model('fixed', [{ name: 'pixels', dtype: 'float32', dims: [1, 784] }], [{ name: 'probabilities', dtype: 'float32', dims: [1, 10] }]);
const vad = model('vad', [{ name: 'input', dtype: 'float32', dims: ['batch', 'samples'] }], [{ name: 'output', dtype: 'float32', dims: ['batch', 1] }], {
  pre: { type: 'audio', input: 'input', sampleRate: 16000, frame: 512 }, post: { type: 'classes', output: 'output', threshold: 0.6 },
});
const handles = new Map<Composable, number>();
const live = (m: Composable) => {
  if (m.isDisposed) throw new EdgeInferError('model-disposed', `model "${m.id}" was disposed`);
  return handles.get(m) ?? handles.set(m, handles.size + 1).get(m)!;
};
const reader = [{ split: 'columns' }, { pre: digits, each: true }, { model: digits, each: true }, { post: digits, each: true }, { join: 'labels' }];

/** The error planPipeline throws for these steps. */
function refusal(steps: unknown): EdgeInferError {
  try {
    planPipeline(steps, live);
  } catch (error) {
    return error as EdgeInferError;
  }
  throw new Error('expected the steps to be refused');
}

describe('planPipeline', () => {
  test('the multi-digit reader: kinds, an image in, the split reading ink as the pre after it does, one batch', () => {
    const plan = planPipeline(reader, live);
    expect(plan.kinds).toEqual(['split', 'pre', 'model', 'post', 'join']);
    expect(plan.takes).toBe('image');
    expect(plan.steps.map((s) => s.spec)).toEqual([
      { kind: 'split', threshold: 30, invert: true, minGap: 2 },
      { kind: 'pre', pre, each: true },
      { kind: 'model', handle: 0, inputs: { pixels: 'pixels' }, each: true, batch: true },
      { kind: 'post', post: { type: 'classes', output: 'probabilities' }, each: true },
      { kind: 'join', separator: '' },
    ]);
    expect(plan.steps[2]!.model).toBe(digits);
  });

  test('what a step says wins over the defaults; a fixed first dimension runs items one by one', () => {
    const plan = planPipeline([{ split: 'columns', minGap: 5, threshold: 10, invert: false }, { pre, each: true }, { model: fixed, each: true }, { post: { type: 'classes', output: 'probabilities' }, each: true, topK: 2 }, { join: 'labels', separator: ' ' }], live);
    expect(plan.steps.map((s) => s.spec)).toMatchObject([
      { kind: 'split', threshold: 10, invert: false, minGap: 5 },
      {},
      { kind: 'model', batch: false },
      { post: { topK: 2 } },
      { separator: ' ' },
    ]);
    expect(planPipeline([{ split: 'columns' }], live).steps[0]!.spec).toEqual({ kind: 'split', threshold: 20, invert: false, minGap: 2 });
  });

  test('a model first takes feeds; a gate first takes PCM, with the VAD post-processor\'s threshold by default', () => {
    expect(planPipeline([digits, { post: digits }], live)).toMatchObject({ takes: 'feeds', first: digits, kinds: ['model', 'post'] });
    const gated = planPipeline([{ gate: vad }, { model: model('asr', [{ name: 'audio', dtype: 'float32', dims: ['batch', 512] }], []), inputs: { audio: 'samples' }, each: true }], live);
    expect(gated.takes).toBe('audio');
    expect(gated.gate!.spec).toMatchObject({ threshold: 0.6, pre: { frame: 512 } });
    expect(gated.steps[0]!.spec).toMatchObject({ kind: 'model', inputs: { audio: 'samples' }, each: true, batch: true });
    expect(planPipeline([{ gate: vad, threshold: 0.2 }], live).gate!.spec.threshold).toBe(0.2);
  });

  test.each([
    ['no steps', [], undefined, /1 to 16 steps/],
    ['a list without each', [{ split: 'columns' }, { pre: digits }], { step: 2, field: 'each' }, /step 2 \(pre of "digits"\): step 1 \(split\) gives a list of images: mark this step \{ each: true \}/],
    ['each without a list', [digits, { post: digits, each: true }], { step: 2, field: 'each' }, /each: true runs the step once per item of a list, but step 1 \(model "digits"\) gives tensors/],
    ['join after tensors', [{ split: 'columns' }, { pre: digits, each: true }, { model: digits, each: true }, { join: 'labels' }], { step: 4, field: 'join' }, /joins a list of predictions, but step 3 \(model "digits"\) gives a list of tensor sets/],
    ['each not a boolean', [{ split: 'columns' }, { pre: digits, each: 'yes' }], { step: 2, field: 'each' }, /each must be a boolean/],
    ['an input the step before does not give', [{ pre: digits }, { model: vad }], { step: 2, field: 'inputs.input' }, /input "input" takes "input", which step 1 \(pre of "digits"\) does not output \(it outputs pixels\)/],
    ['dims that do not fit', [{ pre: { ...pre, width: 32 } }, digits], { step: 2, field: 'inputs.pixels' }, /input "pixels" is \[batch, 784\], but step 1 \(pre\) gives "pixels" as \[1, 896\]/],
    ['a malformed pre', [{ pre: { ...pre, layout: 'diagonal' } }], { step: 1, field: 'pre' }, /step 1\.pre\.layout must be/],
    ['an audio pre as a pre step', [{ pre: vad }], { step: 1, field: 'pre' }, /model "vad" has no image pre-processor \(its pre-processor is audio/],
    ['post first', [{ post: digits }], { step: 1, field: 'post' }, /cannot be the first step/],
    ['a module post', [digits, { post: { type: 'module', url: '/post.js' } }], { step: 2, field: 'post' }, /runs a classes or values post-processor, not "module"/],
    ['a negative minGap', [{ split: 'columns', minGap: -1 }], { step: 1, field: 'minGap' }, /minGap must be an integer >= 0/],
    ['a threshold over 255', [{ split: 'columns', threshold: 300 }], { step: 1, field: 'threshold' }, /threshold must be a number from 0 to 255/],
    ['an unknown field', [{ split: 'columns', each: true }], { step: 1, field: 'each' }, /unknown field "each"/],
    ['an unknown join', [{ join: 'text' }], { step: 1, field: 'join' }, /join must be 'labels'/],
    ['a gate without audio pre', [{ gate: digits }], { step: 1, field: 'gate' }, /no audio pre-processor/],
    ['a gate without a one-score post', [{ gate: model('x', [], [], { pre: vad.processors!.pre }) }], { step: 1, field: 'gate' }, /needs a classes post-processor reading one score per frame/],
    ['a gate after step 1', [{ gate: vad }, { gate: vad }], { step: 2, field: 'gate' }, /must be step 1/],
    ['images after a gate', [{ gate: vad }, { pre: digits, each: true }], { step: 2, field: 'pre' }, /takes a list of images, but step 1 \(gate "vad"\) gives a list of speech frames/],
    ['not a step', [42], { step: 1, field: 'kind' }, /step 1 must be a model or an object with one of the keys model, pre, split, post, join, gate; got 42/],
    ['a model step without a model', [{ model: 'digits' }], { step: 1, field: 'model' }, /model must be a loaded model/],
    ['a model fed the wrong dims', [digits, { model: digits, inputs: { pixels: 'probabilities' } }], { step: 2, field: 'inputs.pixels' }, /is \[batch, 784\], but step 1 \(model "digits"\) gives "probabilities" as \[batch, 10\]/],
  ])('refuses %s, naming the step and the field', (_, steps, details, message) => {
    const error = refusal(steps);
    expect(error.code).toBe('options-invalid');
    if (details) expect(error.details).toEqual(details);
    expect(error.message).toMatch(message);
  });

  test('a disposed model is refused with model-disposed', () => {
    expect(refusal([{ split: 'columns' }, { pre: digits, each: true }, { model: { ...digits, isDisposed: true }, each: true }]).code).toBe('model-disposed');
  });
});
