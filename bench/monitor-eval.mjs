// The statistics of the monitor bench, in Node, on the SDK's own code (planOfProfile, bindRows, rowFeatures,
// DriftWindow, score and mulberry32, passed in as `sdk`, loaded from src/ through Vite): windows drawn by a seeded
// bootstrap from row pools, scored exactly as the main thread scores the windows the worker closes.

/** Feature values of every pool row for a profile: a Float64Array [n][k] (what MonitorTap feeds DriftWindow). */
export function featureRows(sdk, profile, pool) {
  const bound = sdk.bindRows(sdk.planOfProfile(profile), pool);
  const k = profile.features.length;
  const out = new Float64Array(bound.rows * k);
  for (let r = 0; r < bound.rows; r++) sdk.rowFeatures(bound, r, out.subarray(r * k, (r + 1) * k));
  return { values: out, rows: bound.rows, k };
}

/** Fills `window` with `size` rows from `next()` (row indices into `f`), scores it. */
function scoreWindow(sdk, profile, window, f, size, next) {
  for (let i = 0; i < size; i++) {
    const r = next();
    window.add(f.values.subarray(r * f.k, (r + 1) * f.k));
  }
  const { rows, counts } = window.take();
  return sdk.score(profile, counts, rows);
}

const uniformRow = (random, n) => () => Math.floor(random() * n);

/** Rows without replacement: a random subset of the pool per window (a partial Fisher-Yates shuffle). */
function subsetRows(random, n) {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let taken = n;
  return () => {
    if (taken >= n) taken = 0; // a new window starts a new subset (windows of at most n rows)
    const j = taken + Math.floor(random() * (n - taken));
    const r = order[j];
    order[j] = order[taken];
    order[taken++] = r;
    return r;
  };
}

/**
 * False alarms on unchanged data: `windows` windows of `size` rows. `draw`: 'bootstrap' draws each window's rows
 * with replacement from the pool; 'subset' draws a random subset (no row twice in a window), which is marginally a
 * window of fresh rows, where a bootstrap also carries the pool's own sampling noise (shared by every window, so it
 * overstates false alarms once a window is not small against the pool); only when the pool holds 2 × `size` rows. Alarm: any feature over its calibrated
 * threshold (what `report().status` calls drift). Baselines on the same windows: any feature's PSI >= 0.1, >= 0.2.
 */
export function falseAlarms(sdk, profile, f, { size, windows, seed, draw = 'bootstrap' }) {
  const random = sdk.mulberry32(seed);
  if (draw === 'subset' && 2 * size > f.rows) return { size, windows: 0, draw, alarmRate: null, psi01Rate: null, psi02Rate: null, topFeatures: [] };
  const window = new sdk.DriftWindow(profile, size);
  let alarms = 0, psi01 = 0, psi02 = 0;
  const byFeature = new Uint32Array(f.k);
  for (let w = 0; w < windows; w++) {
    const rows = draw === 'subset' ? subsetRows(random, f.rows) : uniformRow(random, f.rows);
    const scores = scoreWindow(sdk, profile, window, f, size, rows);
    let any = false, max = 0;
    scores.forEach((s, i) => {
      if (s.drift) { any = true; byFeature[i]++; }
      if (s.score > max) max = s.score;
    });
    if (any) alarms++;
    if (max >= 0.1) psi01++;
    if (max >= 0.2) psi02++;
  }
  const top = [...byFeature].map((c, i) => ({ feature: profile.features[i].name, share: c / windows })).filter((x) => x.share > 0)
    .sort((a, b) => b.share - a.share).slice(0, 3);
  return { size, windows, draw, alarmRate: alarms / windows, psi01Rate: psi01 / windows, psi02Rate: psi02 / windows, topFeatures: top };
}

/**
 * Detection episodes: `before` windows of unchanged rows, then up to `after` windows of shifted rows, stopping at the
 * first alarm. `shifted` is either { f } (rows of a shifted pool) or { pick } (row indices into the unchanged pool).
 * Windows are random subsets of their pool when it holds at least 2 × `size` rows, else bootstrap draws.
 * Returns each detected episode's windows to the alarm (1 = the first shifted window) and the unchanged windows that
 * alarmed; summarizeEpisodes pools them.
 */
export function episodes(sdk, profile, base, shifted, { size, episodes: count, before, after, seed }) {
  const random = sdk.mulberry32(seed);
  const window = new sdk.DriftWindow(profile, size);
  const alarmed = (scores) => scores.some((s) => s.drift);
  const rowsOf = (f) => (2 * size <= f.rows ? subsetRows(random, f.rows) : uniformRow(random, f.rows));
  const delays = [];
  let falseAlarms = 0;
  for (let e = 0; e < count; e++) {
    for (let w = 0; w < before; w++) if (alarmed(scoreWindow(sdk, profile, window, base, size, rowsOf(base)))) falseAlarms++;
    const f = shifted.f ?? base;
    for (let w = 1; w <= after; w++) {
      const next = shifted.pick ? () => shifted.pick(random) : rowsOf(f);
      if (alarmed(scoreWindow(sdk, profile, window, f, size, next))) { delays.push(w); break; }
    }
  }
  return { size, episodes: count, before, after, draw: 2 * size <= base.rows ? 'subset' : 'bootstrap', delays, falseAlarms };
}

/** Pools episode results (one per reference/window partition): detected share, median delay, share within 3. */
export function summarizeEpisodes(results) {
  const delays = results.flatMap((r) => r.delays).sort((a, b) => a - b);
  const count = results.reduce((n, r) => n + r.episodes, 0);
  const { size, before, after, draw } = results[0];
  return {
    size, episodes: count, before, after, draw,
    detected: delays.length / count,
    medianWindows: delays.length > 0 ? delays[Math.floor((delays.length - 1) / 2)] : null,
    within3: delays.filter((d) => d <= 3).length / count,
    unchangedFalseAlarms: results.reduce((n, r) => n + r.falseAlarms, 0) / (count * before),
  };
}

/** Pools false-alarm results of equal window counts (one per partition); null rates stay null. */
export function summarizeAlarms(results) {
  const mean = (key) => (results.some((r) => r[key] === null) ? null : results.reduce((n, r) => n + r[key], 0) / results.length);
  const shares = new Map();
  for (const r of results) for (const t of r.topFeatures) shares.set(t.feature, (shares.get(t.feature) ?? 0) + t.share / results.length);
  const topFeatures = [...shares].map(([feature, share]) => ({ feature, share })).sort((a, b) => b.share - a.share).slice(0, 3);
  const { size, draw } = results[0];
  return { size, draw, windows: results.reduce((n, r) => n + r.windows, 0), alarmRate: mean('alarmRate'), psi01Rate: mean('psi01Rate'), psi02Rate: mean('psi02Rate'), topFeatures };
}
