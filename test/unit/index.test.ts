import { expect, test } from 'vitest';
import * as entry from '../../src/index.js';

test('the public entry exports exactly this list', () => {
  expect(Object.keys(entry).sort()).toEqual(['DEFAULTS', 'EdgeInferError', 'Model', 'Runtime', 'createProfile', 'createRuntime', 'isEdgeInferError']);
});

test('importing the entry has no side effects on globals', () => {
  expect(typeof entry.createRuntime).toBe('function');
  expect((globalThis as { Worker?: unknown }).Worker).toBeUndefined();
});
