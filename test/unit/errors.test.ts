import { expect, test } from 'vitest';
import { EdgeInferError, reviveError, toEdgeInferError } from '../../src/errors.js';

test('an error survives a structured clone of its JSON form', () => {
  const original = new EdgeInferError('input-shape', 'bad dims', { model: 'digits', input: 'pixels' });
  const revived = reviveError(structuredClone(original.toJSON()));
  expect(revived).toBeInstanceOf(EdgeInferError);
  expect(revived).toMatchObject({ code: 'input-shape', message: 'bad dims', details: { model: 'digits', input: 'pixels' } });
});

test('unknown shapes become the fallback code, keeping the cause', () => {
  const cause = new TypeError('boom');
  const revived = reviveError(cause, 'worker-crashed');
  expect(revived.code).toBe('worker-crashed');
  expect(revived.cause).toBe(cause);
  expect(reviveError({ code: 'not-a-code', message: 'x' }).code).toBe('inference-failed');
});

test('toEdgeInferError keeps typed errors and prefixes foreign ones', () => {
  const typed = new EdgeInferError('model-invalid', 'x');
  expect(toEdgeInferError(typed, 'inference-failed', 'ctx')).toBe(typed);
  const wrapped = toEdgeInferError(new Error('oops'), 'inference-failed', 'model "a" failed');
  expect(wrapped).toMatchObject({ code: 'inference-failed', message: 'model "a" failed: oops' });
});
