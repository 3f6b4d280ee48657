// Hit ratio of the output cache's admission and eviction policy (W-TinyLFU) against plain LRU and the offline
// optimum (Belady's MIN, allowed to bypass the cache), on synthetic key traces at equal capacity. Pure logic, so it
// runs in Node, on the same src/cache/policy.ts the SDK ships (loaded through Vite).
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const LENGTH = Number(process.env.BENCH_TRACE ?? 1_000_000);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 1_000);

export async function cacheHitRatioBench(server) {
  const { WTinyLfu } = await server.ssrLoadModule('/src/cache/policy.ts');
  const traces = [
    { name: 'zipf-0.8', trace: zipfTrace(0.8, 1) },
    { name: 'zipf-1.0', trace: zipfTrace(1.0, 2) },
    { name: 'zipf-1.2', trace: zipfTrace(1.2, 3) },
    { name: 'zipf-1.0+scans', trace: withScans(zipfTrace(1.0, 4)) },
  ];
  const results = traces.map(({ name, trace }) => {
    const ours = hitRatio(trace, tinyLfu(WTinyLfu, CAPACITY));
    const lru = hitRatio(trace, lruCache(CAPACITY));
    const optimal = belady(trace, CAPACITY);
    return { trace: name, accesses: trace.length, capacity: CAPACITY, wTinyLfu: ours, lru, optimal };
  });
  console.log(`\nCache hit ratio, ${CAPACITY} entries, ${KEYS.toLocaleString('en')} keys, ${LENGTH.toLocaleString('en')} accesses per trace`);
  console.log('trace              W-TinyLFU     LRU   optimal   vs LRU   vs optimal');
  for (const r of results) {
    const pts = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
    console.log(
      `${r.trace.padEnd(17)}${pct(r.wTinyLfu).padStart(10)}${pct(r.lru).padStart(8)}${pct(r.optimal).padStart(10)}` +
        `${pts(r.wTinyLfu - r.lru).padStart(9)}${pts(r.wTinyLfu - r.optimal).padStart(13)}`,
    );
  }
  return { bench: 'cache-hit-ratio', keys: KEYS, capacity: CAPACITY, unit: 'hit ratio', results };
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Keys drawn with P(rank r) ∝ 1 / r^skew; ranks are shuffled onto key ids. */
function zipfTrace(skew, seed) {
  const random = rng(seed);
  const cdf = new Float64Array(KEYS);
  let sum = 0;
  for (let r = 0; r < KEYS; r++) cdf[r] = sum += 1 / (r + 1) ** skew;
  const ids = Int32Array.from({ length: KEYS }, (_, i) => i);
  for (let i = KEYS - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const trace = new Int32Array(LENGTH);
  for (let i = 0; i < LENGTH; i++) {
    const u = random() * sum;
    let lo = 0;
    let hi = KEYS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    trace[i] = ids[lo];
  }
  return trace;
}

/** Every 5,000 accesses, a scan of 2,000 keys never seen before or again (2x the capacity): 2 accesses in 7 are scans. */
function withScans(base) {
  const out = [];
  let next = KEYS;
  for (let i = 0; i < base.length; i++) {
    out.push(base[i]);
    if (i % 5000 === 4999) for (let s = 0; s < 2000; s++) out.push(next++);
  }
  return Int32Array.from(out);
}

function hitRatio(trace, cache) {
  let hits = 0;
  for (let i = 0; i < trace.length; i++) if (cache(trace[i])) hits++;
  return hits / trace.length;
}

function mix(key) {
  let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function tinyLfu(WTinyLfu, capacity) {
  const policy = new WTinyLfu({ maxEntries: capacity, maxWeight: Infinity });
  return (key) => {
    const hash = mix(key);
    if (policy.get(key, hash) !== undefined) return true;
    policy.set(key, hash, true, 1);
    return false;
  };
}

function lruCache(capacity) {
  const map = new Map();
  return (key) => {
    if (map.delete(key)) {
      map.set(key, true);
      return true;
    }
    map.set(key, true);
    if (map.size > capacity) map.delete(map.keys().next().value);
    return false;
  };
}

/** Belady's MIN with bypass: on a miss, keep whichever of the new key and the cached keys is needed again soonest. */
function belady(trace, capacity) {
  const next = new Int32Array(trace.length);
  const seen = new Map();
  for (let i = trace.length - 1; i >= 0; i--) {
    next[i] = seen.get(trace[i]) ?? 2 ** 31 - 1;
    seen.set(trace[i], i);
  }
  const nextUse = new Map(); // cached key -> its next access
  const heap = new MaxHeap(); // (next access, key), with stale pairs skipped lazily
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = trace[i];
    if (nextUse.has(key)) {
      hits++;
    } else if (nextUse.size >= capacity) {
      while (nextUse.get(heap.peekKey()) !== heap.peekTime()) heap.pop();
      if (heap.peekTime() <= next[i]) continue; // the new key is needed last: do not cache it
      nextUse.delete(heap.peekKey());
      heap.pop();
    }
    nextUse.set(key, next[i]);
    heap.push(next[i], key);
  }
  return hits / trace.length;
}

class MaxHeap {
  times = [];
  keys = [];
  peekTime() {
    return this.times[0];
  }
  peekKey() {
    return this.keys[0];
  }
  push(time, key) {
    const { times, keys } = this;
    let i = times.length;
    times.push(time);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent] >= time) break;
      times[i] = times[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
  }
  pop() {
    const { times, keys } = this;
    const time = times.pop();
    const key = keys.pop();
    if (times.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= times.length) break;
      const c = l + 1 < times.length && times[l + 1] > times[l] ? l + 1 : l;
      if (times[c] <= time) break;
      times[i] = times[c];
      keys[i] = keys[c];
      i = c;
    }
    times[i] = time;
    keys[i] = key;
  }
}
