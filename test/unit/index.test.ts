import { expect, test } from 'vitest';
import * as entry from '../../src/index.js';
import type { Assignment } from '../../src/index.js';

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
