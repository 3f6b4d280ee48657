// Output cache: hit ratio of the policy (Node) and latency of a hit in Chromium.
import { cacheHitRatioBench } from './cache-hit-ratio.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

export async function cacheBench(browser, base, server) {
  const hitRatio = await cacheHitRatioBench(server);
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    const page = await browser.newPage();
    await page.goto(`${base}/bench/pages/cache.html`);
    const r = await page.evaluate(() => window.benchResult);
    await page.close();
    runs.push({
      hitP50: quantile(r.hitUs, 0.5), hitP95: quantile(r.hitUs, 0.95),
      hashP50: quantile(r.hashUs, 0.5),
      missP50: quantile(r.missUs, 0.5),
    });
  }
  const latency = {
    input: 'float32[1,784] (digits)',
    unit: 'µs per call',
    hitP50: median(runs.map((r) => r.hitP50)),
    hitP95: median(runs.map((r) => r.hitP95)),
    hashP50: median(runs.map((r) => r.hashP50)),
    uncachedRunP50: median(runs.map((r) => r.missP50)),
    reps: REPS,
    runs,
  };
  console.log(`\nCache hit latency in Chromium, digits input (784 float32), median of ${REPS} page loads`);
  console.log('                                   p50 µs    p95 µs');
  console.log(`model.run() answered by the cache ${latency.hitP50.toFixed(2).padStart(8)}  ${latency.hitP95.toFixed(2).padStart(8)}   (target p50 <= 20)`);
  console.log(`  of which hashing the input      ${latency.hashP50.toFixed(2).padStart(8)}`);
  console.log(`model.run() through the worker    ${latency.uncachedRunP50.toFixed(2).padStart(8)}              (cache: false)`);
  return { bench: 'cache', hitRatio, latency };
}
