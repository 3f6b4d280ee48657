import { expect, test } from 'vitest';
import { checkPredictionId, isPredictionId, newPredictionId } from '../../../src/monitor/prediction-id.js';
import { codeOf } from '../code-of.js';

test('ids are 16 lowercase hex characters and do not repeat', () => {
  const ids = Array.from({ length: 5000 }, () => newPredictionId());
  expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id) && isPredictionId(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

test('ids are random: every hex digit appears in every position about equally often', () => {
  const n = 16 * 400;
  const counts = Array.from({ length: 16 }, () => new Array<number>(16).fill(0));
  for (let i = 0; i < n; i++) [...newPredictionId()].forEach((c, pos) => counts[pos]![parseInt(c, 16)]!++);
  // Expected 400 per cell, sd ~19.4: 6 sd either way would be a broken generator, not bad luck.
  for (const row of counts) for (const c of row) expect(Math.abs(c - 400)).toBeLessThan(120);
});

test('ids come from crypto.getRandomValues, not from the time', () => {
  const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  let calls = 0;
  const spy = (a: Uint8Array) => (calls++, original(a));
  Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: spy, configurable: true });
  try {
    for (let i = 0; i < 1100; i++) newPredictionId(); // crosses at least two pool refills of 512 ids
    expect(calls).toBeGreaterThanOrEqual(2);
  } finally {
    Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: original, configurable: true });
  }
});

test('only well-formed ids pass', () => {
  for (const bad of ['', 'ABCDEF0123456789', '0123456789abcde', '0123456789abcdef0', '0123456789abcdeg', ' 0123456789abcdef', 42, null, undefined, {}, ['0123456789abcdef']]) {
    expect(isPredictionId(bad)).toBe(false);
    expect(codeOf(() => checkPredictionId(bad))).toBe('input-invalid');
  }
  expect(checkPredictionId('0123456789abcdef')).toBe('0123456789abcdef');
});
