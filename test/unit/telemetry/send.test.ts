import { expect, test } from 'vitest';
import { exporterSender, fetchSender } from '../../../src/telemetry/send.js';

/** A body of `size` bytes that counts what was read of it. */
function hugeBody(size: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled >= size) return controller.close();
        seen.pulled += 65_536;
        controller.enqueue(new Uint8Array(65_536));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

test('fetch: a POST that never follows redirects, can be aborted, and reads none of a huge answer', async () => {
  const { stream, seen } = hugeBody(64 * 1024 * 1024);
  let init: RequestInit | undefined;
  const fetcher = (async (_url: string, i: RequestInit) => ((init = i), new Response(stream, { status: 200 }))) as unknown as typeof fetch;
  const abort = new AbortController();
  const answer = await fetchSender('https://c.example', { 'X-Key': 'k' }, fetcher)('metrics', '{}', true, abort.signal);
  await tick();
  expect((answer as Response).status).toBe(200);
  expect(init).toMatchObject({ method: 'POST', keepalive: true, redirect: 'manual', signal: abort.signal, headers: { 'X-Key': 'k' } });
  expect(seen.pulled).toBeLessThanOrEqual(65_536);
  expect(seen.cancelled).toBe(true);
});

test('custom exporter: gets the abort signal, and the body of a Response it returns is cancelled, not read', async () => {
  const { stream, seen } = hugeBody(64 * 1024 * 1024);
  const abort = new AbortController();
  let got: AbortSignal | undefined;
  const send = exporterSender(({ abortSignal }) => ((got = abortSignal), new Response(stream, { status: 200 })));
  expect((await send('logs', '{}', false, abort.signal)) as Response).toMatchObject({ status: 200 });
  await tick();
  expect(got).toBe(abort.signal);
  expect(seen.pulled).toBeLessThanOrEqual(65_536);
  expect(seen.cancelled).toBe(true);
});
