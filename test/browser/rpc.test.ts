// The SDK must not change comlink's global behaviour: a host app's own comlink calls keep their errors and stacks.
import { expose, transferHandlers, wrap } from 'comlink';
import { expect, test } from 'vitest';
import { createRuntime, EdgeInferError } from '../../src/index.js';
import { expectCode, MODELS } from './helpers.js';

test('after the SDK ran, comlink\'s throw handler is untouched and a host app\'s errors keep their stack', async () => {
  const before = transferHandlers.get('throw');
  const runtime = createRuntime({ backends: ['wasm'] });
  await (await runtime.load({ url: MODELS.digits })).dispose();
  await expectCode(runtime.load({ url: '/models/missing/model.onnx' }), 'model-fetch-failed'); // coded errors still arrive
  expect(transferHandlers.get('throw')).toBe(before);

  const { port1, port2 } = new MessageChannel();
  class AppError extends Error {}
  expose({ fail: () => { throw new AppError('from the app'); } }, port1);
  const remote = wrap<{ fail(): void }>(port2);
  const error = await Promise.resolve(remote.fail()).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(EdgeInferError);
  expect((error as Error).message).toBe('from the app');
  expect((error as Error).stack).toContain('from the app');
  port1.close();
  await runtime.dispose();
});
