import { expect, test } from 'vitest';
import { choiceKey, deviceKey, isFresh, type Remembered } from '../../../src/worker/choice-store.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36';
const DAY = 24 * 3600 * 1000;
const record: Remembered = { backend: 'wasm', candidates: [{ backend: 'webgpu', ms: 30 }, { backend: 'wasm', ms: 1 }], at: 1_000 * DAY, runtime: '1.30.0' };

test('the device key holds the GPU, the core count and the browser major version, nothing finer', () => {
  expect(deviceKey({ vendor: 'google', architecture: 'swiftshader' }, 2, CHROME)).toBe('google|swiftshader|2|Chrome/156');
  expect(deviceKey(undefined, undefined, 'curl/8')).toBe('-|-|-|-');
  expect(deviceKey(undefined, 8, CHROME.replace('156.0.8078.114', '157.0.1.2'))).toBe('-|-|8|Chrome/157');
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
  expect(deviceKey(undefined, 4, firefox)).toBe('-|-|4|Firefox/140');
});

test('decisions are per model file, precision and device', () => {
  const keys = new Set([
    choiceKey('a'.repeat(64), 'auto', 'd1'), choiceKey('b'.repeat(64), 'auto', 'd1'),
    choiceKey('a'.repeat(64), 'fp32', 'd1'), choiceKey('a'.repeat(64), 'auto', 'd2'),
  ]);
  expect(keys.size).toBe(4);
});

test('a decision expires after maxAge', () => {
  expect(isFresh(record, record.at + 7 * DAY - 1, 7 * DAY, '1.30.0')).toBe(true);
  expect(isFresh(record, record.at + 7 * DAY, 7 * DAY, '1.30.0')).toBe(false);
  expect(isFresh(record, record.at, 0, '1.30.0')).toBe(false);
  // A clock set back makes a record from the future: measure again rather than trust it.
  expect(isFresh(record, record.at - 1, 7 * DAY, '1.30.0')).toBe(false);
});

test('a new onnxruntime-web version measures again', () => {
  expect(isFresh(record, record.at + 1, 7 * DAY, '1.31.0')).toBe(false);
});

test.each([
  ['null', null],
  ['an unknown backend', { ...record, backend: 'cuda' }],
  ['candidates that are not a list', { ...record, candidates: 'wasm' }],
  ['a candidate with an unknown backend', { ...record, candidates: [{ backend: 'gpu' }] }],
  ['a missing time', { ...record, at: undefined }],
])('a stored record with %s is not used', (_, value) => {
  expect(isFresh(value, record.at + 1, 7 * DAY, '1.30.0')).toBe(false);
});
