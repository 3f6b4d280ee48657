import { expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { redactId, redactMessage, redactUrls } from '../../../src/telemetry/redact.js';
import { safeError } from '../../../src/telemetry/safe-error.js';

test.each([
  ['https://user:pw@cdn.example.com:8443/models/m.onnx?token=abc#frag', 'https://cdn.example.com:8443/models/m.onnx'],
  ['https://a:b@c@cdn.example.com/m.onnx', 'https://cdn.example.com/m.onnx'],
  ['/models/m.onnx?sig=abc', '/models/m.onnx'],
  ['m.onnx?sig=abc', 'm.onnx'],
  ['m.onnx#access_token=abc', 'm.onnx'],
  ['digits', 'digits'],
  ['mnist-12', 'mnist-12'],
  ['data:application/octet-stream;base64,AAAA', 'data:'],
  ['blob:https://app.example.com/1b2c-77?x=1', 'blob:https://app.example.com/1b2c-77'],
])('id %s → %s', (id, expected) => {
  expect(redactId(id)).toBe(expected);
});

test('URLs inside text keep origin and path only', () => {
  expect(redactUrls('GET https://u:secret@x.example/a/b?k=1 failed; see /local/m.onnx#t and data:text/plain,hello'))
    .toBe('GET https://x.example/a/b failed; see /local/m.onnx and data:');
  expect(redactUrls('no urls here: 42 rows')).toBe('no urls here: 42 rows');
});

test('messages lose URLs and digit runs, and stay short', () => {
  const ort = 'model "https://u:pw@h.example/m.onnx?t=SECRET" failed to run: indices element out of data bounds, idx=8123 must be within the inclusive range [-1000,999]';
  const out = redactMessage(ort, 500);
  expect(out).not.toMatch(/\d|SECRET|pw/);
  expect(out).toContain('https://h.example/m.onnx');
  expect(redactMessage('x'.repeat(10_000), 500).length).toBeLessThanOrEqual(500);
  // A URL cut by the length bound must not leave half of its userinfo or query behind.
  for (let pad = 1990; pad < 2010; pad++) {
    const text = 'a '.repeat(pad / 2) + 'https://user:SECRET@h.example/p?q=SECRET';
    expect(redactMessage(text, 5000)).not.toContain('SECRET');
  }
});

test('errors: only known details fields, each made safe', () => {
  const error = new EdgeInferError('inference-failed', 'run failed: idx=8123', {
    model: 'https://u:pw@h.example/m.onnx?t=SECRET', version: '2', input: 'pixels', output: 'probs', status: 503, batchSize: 4,
    offline: true, url: 'https://u:pw@h.example/x?y=SECRET', values: 8123, secret: 'SECRET', nested: { a: 1 }, reasons: ['a'],
  });
  expect(safeError(error)).toEqual({
    code: 'inference-failed',
    message: 'run failed: idx=#',
    details: {
      'error.details.model': 'https://h.example/m.onnx', 'error.details.version': '2', 'error.details.input': 'pixels',
      'error.details.output': 'probs', 'error.details.status': 503, 'error.details.batchSize': 4, 'error.details.offline': true,
      'error.details.url': 'https://h.example/x',
    },
  });
  expect(safeError(new EdgeInferError('model-invalid', 'x', { status: 'not a number', offline: 'yes' })).details).toEqual({});
  expect(safeError('plain 123 text')).toEqual({ code: 'unknown', message: 'plain # text', details: {} });
  expect(safeError({ code: 'Not A Code!', message: 7 }).code).toBe('unknown');
  expect(safeError(null).message).toBe('null');
});
