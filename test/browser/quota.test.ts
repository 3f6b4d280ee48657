// Real quota exhaustion: Chromium's DevTools protocol lowers this origin's storage quota. In this Chromium the
// override makes a new database's first write fail with QuotaExceededError, while writes to a database that is
// already open keep succeeding, so the evict-and-retry path is unit-tested in test/unit/store/writer.test.ts.
import { afterEach, expect, test } from 'vitest';
import { cdp } from 'vitest/browser';
import { seeded } from './helpers.js';
import { recorder, served, storeRuntime, uniqueKey } from './store-helpers.js';

async function setQuota(quotaSize: number | undefined) {
  await cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin, ...(quotaSize === undefined ? {} : { quotaSize }) });
}

async function usage(): Promise<number> {
  return (await navigator.storage.estimate()).usage ?? 0;
}

afterEach(() => setQuota(undefined));

test('with too little quota up front the model runs from memory, with a warning, and nothing is cached', async () => {
  const key = uniqueKey('quota-before');
  const runtime = storeRuntime(key);
  await setQuota((await usage()) + 50_000);
  const { events, onProgress } = recorder();
  const model = await runtime.load(await served(key, 'digits'), { onProgress });
  expect(model.cached).toBe(false);

  expect(events.find((e) => e.type === 'warning')).toMatchObject({ code: 'quota-exceeded' });
  expect((await model.run({ pixels: seeded(784, 1).map(Math.abs) })).outputs.probabilities!.dims).toEqual([1, 10]);
  expect(await runtime.storage.list()).toEqual([]);
  await runtime.dispose();
});
