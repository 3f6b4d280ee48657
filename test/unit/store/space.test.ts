import { expect, test } from 'vitest';
import { planEviction } from '../../../src/store/space.js';
import type { StoredModel } from '../../../src/store/store.js';

const model = (id: string, stored: number, lastUsed: number): StoredModel => ({
  id, version: '1', sha256: id.padEnd(64, '0'), bytes: stored, chunkSize: 65536, chunks: 1, stored, complete: true, lastUsed, url: `/${id}`,
});
const models = [model('a', 300, 3), model('b', 200, 1), model('c', 100, 2)];
const ids = (plan: StoredModel[] | undefined) => plan?.map((m) => m.id);

test('nothing is evicted while both limits hold', () => {
  expect(planEviction(models, 400, { maxBytes: 1000, available: 1000 }, new Set())).toEqual([]);
});

test('the configured limit evicts least recently used first, whole models, only as many as needed', () => {
  expect(ids(planEviction(models, 500, { maxBytes: 1000, available: undefined }, new Set()))).toEqual(['b']);
  expect(ids(planEviction(models, 650, { maxBytes: 1000, available: undefined }, new Set()))).toEqual(['b', 'c']);
});

test('the browser quota counts too', () => {
  expect(ids(planEviction(models, 150, { maxBytes: Infinity, available: 100 }, new Set()))).toEqual(['b']);
});

test('models in use are never evicted, and an impossible fit says so', () => {
  expect(ids(planEviction(models, 500, { maxBytes: 1000, available: undefined }, new Set(['b@1'])))).toEqual(['c']);
  expect(ids(planEviction(models, 700, { maxBytes: 1000, available: undefined }, new Set(['b@1'])))).toEqual(['c', 'a']);
  expect(planEviction(models, 2000, { maxBytes: 1000, available: undefined }, new Set())).toBeUndefined();
});
