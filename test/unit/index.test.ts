import { expect, test } from 'vitest';
import * as entry from '../../src/index.js';
import type { Assignment, PostModule, PreModule, ProcessorSignature, Processors, TabularRow } from '../../src/index.js';

test('the public entry exports exactly this list', () => {
  expect(Object.keys(entry).sort()).toEqual(['DEFAULTS', 'EdgeInferError', 'Model', 'Runtime', 'createProfile', 'createRuntime', 'isEdgeInferError']);
});

test('importing the entry has no side effects on globals', () => {
  expect(typeof entry.createRuntime).toBe('function');
  expect((globalThis as { Worker?: unknown }).Worker).toBeUndefined();
});

test('the entry exports the Assignment type of model.assignment', () => {
  const a: Assignment = { version: '1.0.0', arm: 'rolled-back', reason: 'integrity-mismatch: …' };
  const m: Pick<entry.Model, 'assignment'> = { assignment: a };
  expect(m.assignment?.arm).toBe('rolled-back');
});

test('the entry exports the processor types: tabular and module specs, and the module contract', async () => {
  const pre: PreModule<{ n: number }> = { pre: (input) => ({ x: Float32Array.of(input.n) }) };
  const post: PostModule = { post: (outputs) => ({ type: 'values', values: Array.from(outputs.y!.data as Float32Array) }) };
  const processors: Processors = { pre: { type: 'tabular', input: 'x', features: ['n'], mean: [1], std: [2] }, post: { type: 'module', url: '/post.js' } };
  const row: TabularRow = { n: 3 };
  const signature: ProcessorSignature = { inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 1] }], outputs: [] };
  expect(await pre.pre({ n: 3 }, {}, signature)).toEqual({ x: Float32Array.of(3) });
  expect(await post.post({ y: { dtype: 'float32', dims: [1, 1], data: Float32Array.of(2) } }, {}, signature)).toEqual({ type: 'values', values: [2] });
  expect(processors.pre?.type).toBe('tabular');
  expect(row).toEqual({ n: 3 });
});
