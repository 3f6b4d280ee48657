// Drift monitoring, evaluated on the bundled models' held-out data: false alarms on unchanged data per window size
// (against fixed PSI thresholds on the same windows), detection of the shifts in demo/shifts.ts, and the cost of
// monitoring per model.run() in Chromium. The statistics run in Node on the SDK's own src/monitor code, with the
// models' real outputs; windows are seeded bootstrap draws (and random subsets) of held-out rows. Profiles: the
// bundled ones (digits and forecast from training data; vad from speech.wav itself, in-sample) and ones built here
// from part of the held-out rows, the windows coming from the rest.
//   BENCH_MONITOR_WINDOWS (1000) windows per size · BENCH_MONITOR_EPISODES (200) per shift · BENCH_MONITOR_PARTS
//   (alarms,detection,cost) · BENCH_MONITOR_MODELS (digits,forecast,vad) · BENCH_MONITOR_LOADS (5) page loads ·
//   BENCH_MONITOR_CALLS (1000) runs per page load · BENCH_MONITOR_TAP_ROWS (20000).
import { loadavg } from 'node:os';
import { digitsHeldOut, digitsPool, forecastHeldOut, forecastPool, modelInfo, shiftRows, speechSamples, subset, vadPool } from './monitor-data.mjs';
import { episodes, falseAlarms, featureRows, summarizeAlarms, summarizeEpisodes } from './monitor-eval.mjs';
import { costBench } from './monitor-cost.mjs';

const env = process.env;
const WINDOWS = Number(env.BENCH_MONITOR_WINDOWS ?? 1000);
const EPISODES = Number(env.BENCH_MONITOR_EPISODES ?? 200);
const PARTS = (env.BENCH_MONITOR_PARTS ?? 'alarms,detection,cost').split(',');
const MODEL_IDS = (env.BENCH_MONITOR_MODELS ?? 'digits,forecast,vad').split(',');
const SIZES = [50, 200, 1000];
const DETECTION_SIZES = { digits: [200], forecast: [50, 200], vad: [200] };
const BEFORE = 3, AFTER = 10, TARGET = 0.015;
const range = (from, to, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);
const shuffled = (xs, random) => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
};
const pct = (x) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

/** Per model: the unchanged held-out pool, how it splits for the profiles built here, and its shifted versions. */
async function setup(id, shiftsFor, mulberry32) {
  const { entry, profile, profileFile } = modelInfo(id);
  const shifted = [];
  let pool, splits;
  if (id === 'digits') {
    const d = digitsHeldOut();
    pool = await digitsPool(entry, d.pixels, d.labels);
    // Five partitions (rows 0-999 / 1000-1999, then four seeded shuffles): windows of 200 from one fixed half of
    // 1,000 rows overlap a lot, so a single partition's false-alarm rate is one draw of that half.
    const parts = [range(0, 2000), ...[1, 2, 3, 4].map((p) => shuffled(range(0, 2000), mulberry32(900 + p)))];
    splits = [{
      label: 'split-half', parts: parts.map((order) => ({ reference: order.slice(0, 1000), windows: order.slice(1000) })),
      how: `profile from 1,000 held-out rows, windows from the other 1,000; ${parts.length} partitions (rows 0-999 / 1000-1999, then seeded shuffles), windows and episodes spread evenly over them`,
    }];
    for (const s of shiftsFor('digits')) {
      for (const [k, strength] of s.strengths.entries()) {
        if (s.pick) { shifted.push({ shift: s, strength, pick: true }); continue; }
        const pixels = shiftRows(s, strength, d.pixels, 784, mulberry32(101 + 10 * k + shifted.length));
        shifted.push({ shift: s, strength, pool: await digitsPool(entry, pixels, d.labels) });
      }
    }
  } else if (id === 'forecast') {
    const f = forecastHeldOut();
    pool = await forecastPool(entry, f.histories);
    const half = pool.n / 2;
    const level = (from) => f.histories.subarray(from * 36, (from + half) * 36).reduce((a, b) => a + b, 0) / (half * 36);
    const rise = (level(half) - level(0)).toFixed(1);
    splits = [
      { label: 'split-alt', reference: range(0, pool.n, 2), windows: range(1, pool.n, 2), how: 'profile from the even held-out windows (36), windows from the odd ones (36): both span 2013-2020, so "unchanged" means the same period (neighbours share 35 of 36 months: the halves are not independent)' },
      { label: 'split-time', reference: range(0, pool.n / 2), windows: range(pool.n / 2, pool.n), how: `profile from the first 36 held-out windows, windows from the last 36: the later half sits ${rise} ppm higher on average (the trend)` },
    ];
    for (const s of shiftsFor('forecast')) {
      for (const strength of s.strengths) shifted.push({ shift: s, strength, pool: await forecastPool(entry, shiftRows(s, strength, f.histories, 36, mulberry32(7))) });
    }
  } else {
    const samples = speechSamples();
    pool = await vadPool(entry, samples);
    splits = [
      { label: 'split-alt', reference: range(0, pool.n, 2), windows: range(1, pool.n, 2), how: `profile from the clip's even frames (${pool.n / 2}), windows from the odd ones: the same audio, neighbouring frames` },
      { label: 'split-time', reference: range(0, pool.n / 2), windows: range(pool.n / 2, pool.n), how: `profile from the clip's first ${pool.n / 2} frames (first sentence), windows from the last ${pool.n / 2} (second sentence)` },
    ];
    for (const s of shiftsFor('vad')) {
      // Noise on the whole clip, then framed and run with the state carried: what a noisy microphone gives the model.
      for (const [k, strength] of s.strengths.entries()) shifted.push({ shift: s, strength, pool: await vadPool(entry, shiftRows(s, strength, samples, samples.length, mulberry32(31 + k))) });
    }
  }
  return { id, entry, bundled: profile, profileFile, pool, splits, shifted };
}

/** The profiles a model is evaluated with, each with the rows its windows come from. */
function profilesOf(m, sdk) {
  const out = [];
  const source = {
    digits: 'the 8,000 training digits', forecast: 'the 542 training windows (targets up to 2013-05)',
    vad: 'the frames of speech.wav itself: the same clip the windows come from, so this row is in-sample',
  }[m.id];
  if (m.bundled) out.push({ label: 'bundled', parts: [{ profile: sdk.parseProfile(m.bundled), rows: range(0, m.pool.n) }], note: `${m.profileFile}, built from ${source}; windows from all ${m.pool.n} held-out rows` });
  for (const split of m.splits) {
    const parts = (split.parts ?? [split]).map(({ reference, windows }) => {
      const ref = subset(m.pool, reference);
      return { profile: sdk.buildProfile({ inputs: m.entry.inputs, outputs: m.entry.outputs, sha256: m.entry.sha256, rows: { inputs: ref.inputs, outputs: ref.outputs } }), rows: windows };
    });
    out.push({ label: split.label, parts, note: split.how });
  }
  return out;
}

function accuracyOf(pool, rows) {
  let c = 0;
  for (const r of rows) c += pool.correct[r];
  return c / rows.length;
}

export async function monitorBench(browser, base, server) {
  const load = { start: loadavg().map((x) => +x.toFixed(2)) };
  const sdk = {
    ...(await server.ssrLoadModule('/src/monitor/profile.ts')),
    ...(await server.ssrLoadModule('/src/monitor/features.ts')),
    ...(await server.ssrLoadModule('/src/monitor/window.ts')),
    mulberry32: (await server.ssrLoadModule('/src/monitor/stats.ts')).mulberry32,
  };
  const { shiftsFor } = await server.ssrLoadModule('/demo/shifts.ts');
  const alarms = [], detection = [], evaluated = [], skipped = [];
  if (PARTS.includes('alarms') || PARTS.includes('detection')) {
    for (const id of MODEL_IDS) {
      const started = performance.now();
      const m = await setup(id, shiftsFor, sdk.mulberry32);
      for (const p of profilesOf(m, sdk)) {
        const parts = p.parts.map((part) => ({ ...part, base: featureRows(sdk, part.profile, subset(m.pool, part.rows)) }));
        const share = (total) => Math.ceil(total / parts.length);
        const [first] = parts;
        evaluated.push({ model: id, profile: p.label, partitions: parts.length, referenceRows: first.profile.samples, windowRows: first.rows.length, features: first.profile.features.length, note: p.note });
        if (PARTS.includes('alarms')) {
          for (const size of SIZES) {
            const draws = Object.fromEntries(['bootstrap', 'subset'].map((draw) => [draw, summarizeAlarms(parts.map((part, i) => falseAlarms(sdk, part.profile, part.base, { size, windows: share(WINDOWS), seed: 1000 + size + 17 * i, draw })))]));
            const judged = draws.subset.alarmRate ?? draws.bootstrap.alarmRate;
            alarms.push({ model: id, profile: p.label, size, poolRows: first.rows.length, ...draws, judgedOn: draws.subset.alarmRate === null ? 'bootstrap' : 'subset', passed: judged <= TARGET });
          }
        }
        if (!PARTS.includes('detection')) continue;
        const unchanged = falseAlarms(sdk, first.profile, first.base, { size: 200, windows: 100, seed: 99 }).alarmRate;
        if (unchanged >= 0.5) {
          skipped.push({ model: id, profile: p.label, unchangedAlarmRate: unchanged });
          continue; // every window alarms already: detection would mean nothing
        }
        for (const s of m.shifted) {
          const effects = [];
          const shiftedOf = parts.map(({ profile, rows }) => {
            const accuracy = m.pool.correct ? accuracyOf(m.pool, rows) : undefined;
            if (s.pick) {
              const labels = Uint8Array.from(rows, (r) => m.pool.labels[r]);
              const ones = rows.filter((r) => m.pool.labels[r] === 1);
              effects.push({ accuracy: s.strength * accuracyOf(m.pool, ones) + (1 - s.strength) * accuracy - accuracy });
              return { pick: (random) => s.shift.pick(labels, s.strength, random) };
            }
            const flip = (r) => (s.pool.outputs.output.data[r] >= 0.5) !== (m.pool.outputs.output.data[r] >= 0.5);
            effects.push({
              ...(accuracy !== undefined ? { accuracy: accuracyOf(s.pool, rows) - accuracy } : {}),
              ...(id === 'vad' ? { flipped: rows.filter(flip).length / rows.length } : {}),
            });
            return { f: featureRows(sdk, profile, subset(s.pool, rows)) };
          });
          const meanOf = (key) => (effects[0][key] === undefined ? undefined : effects.reduce((n, e) => n + e[key], 0) / effects.length);
          const change = meanOf('accuracy'), flipped = meanOf('flipped');
          for (const size of DETECTION_SIZES[id]) {
            const r = summarizeEpisodes(parts.map((part, i) => episodes(sdk, part.profile, part.base, shiftedOf[i], { size, episodes: share(EPISODES), before: BEFORE, after: AFTER, seed: 5000 + 31 * detection.length + i })));
            const accuracyPoints = change === undefined ? null : +(100 * change).toFixed(2);
            const rule = accuracyPoints !== null && Math.abs(accuracyPoints) >= 5 && size === 200 ? { applies: true, passed: r.within3 >= 0.95 } : { applies: false };
            detection.push({ model: id, profile: p.label, shift: s.shift.id, label: s.shift.label, strength: s.strength, unit: s.shift.unit, accuracyPoints, ...(flipped !== undefined ? { speechDecisionsFlipped: +flipped.toFixed(4) } : {}), ...r, rule });
          }
        }
      }
      console.log(`  ${id}: evaluated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  if (alarms.length > 0) printAlarms(alarms, evaluated);
  if (detection.length > 0) printDetection(detection, skipped);
  const cost = PARTS.includes('cost') ? await costBench(browser, base) : null;
  load.end = loadavg().map((x) => +x.toFixed(2));
  console.log(`\nload average (1/5/15 min) at start ${load.start.join(' ')}, at end ${load.end.join(' ')}; ${(await import('node:os')).cpus().length} cores`);
  return {
    bench: 'monitor',
    method: {
      windows: `${WINDOWS} windows per size, rows drawn from the held-out rows by a seeded bootstrap (with replacement) and as seeded random subsets (without, when the pool holds twice the window); the target is judged on subsets, which are marginally windows of fresh data`,
      alarm: 'a window alarms when any feature\'s PSI exceeds its threshold calibrated for that window size (target 1% per window for the whole model)',
      baseline: 'fixed thresholds on the same windows: any feature with PSI >= 0.1 (>= 0.2)',
      episodes: `${EPISODES} per shift and strength: ${BEFORE} unchanged windows then up to ${AFTER} shifted ones, stopping at the first alarm; windows are random subsets of their pool when it holds twice the window, else bootstrap draws`,
      rule: 'a digits shift changing accuracy by >= 5 points must alarm within 3 windows of 200 in >= 95% of episodes',
      outputs: 'the models\' real outputs: onnxruntime-web (WASM) in Node over every held-out row, and again over every shifted row',
    },
    targetFalseAlarmRate: TARGET,
    load,
    profiles: evaluated,
    detectionSkipped: skipped,
    falseAlarms: alarms,
    detection,
    cost,
  };
}

function printAlarms(alarms, evaluated) {
  console.log(`\nFalse alarms on unchanged held-out data, ${WINDOWS} windows per size. Rows of a window: a seeded bootstrap from the held-out`);
  console.log('rows (with replacement), and a seeded random subset of them (no repeats; only when the pool holds 2x the window): a subset is');
  console.log('marginally a window of fresh data, while a bootstrap adds the pool\'s own sampling noise to every window');
  for (const e of evaluated) console.log(`  ${e.model} ${e.profile}: ${e.note}; ${e.referenceRows} reference rows, ${e.features} features`);
  console.log('calibrated: any feature over its threshold for the window size; PSI>=0.1 / PSI>=0.2: any feature, on the same windows as the');
  console.log('judged column (subset where there is one, else bootstrap)');
  console.log('model     profile      size  pool  calibrated: bootstrap  subset   PSI>=0.1  PSI>=0.2   target<=1.5%     most alarming feature');
  for (const a of alarms) {
    const judged = a[a.judgedOn];
    const top = judged.topFeatures[0];
    const verdict = `${a.passed ? 'ok' : 'FAIL'} (${a.judgedOn})`;
    console.log(`${a.model.padEnd(10)}${a.profile.padEnd(12)}${String(a.size).padStart(5)}${String(a.poolRows).padStart(6)}${pct(a.bootstrap.alarmRate).padStart(22)}${pct(a.subset.alarmRate).padStart(8)}${pct(judged.psi01Rate).padStart(11)}${pct(judged.psi02Rate).padStart(10)}   ${verdict.padEnd(17)}${top ? `${top.feature} (${pct(top.share)})` : '-'}`);
  }
}

const effect = (d) => (d.accuracyPoints !== null ? `acc ${d.accuracyPoints >= 0 ? '+' : ''}${d.accuracyPoints.toFixed(1)}` : d.speechDecisionsFlipped !== undefined ? `${pct(d.speechDecisionsFlipped)} flip` : '-');

function printDetection(detection, skipped) {
  console.log(`\nDetection: ${EPISODES} episodes per shift and strength (${BEFORE} unchanged windows, then up to ${AFTER} shifted)`);
  console.log('model     profile     shift        strength  size  draw       effect       detected  median win  <=3 win  unchanged FA  rule (>=5 pts -> <=3 win of 200, >=95%)');
  for (const d of detection) {
    const rule = d.rule.applies ? (d.rule.passed ? 'pass' : 'FAIL') : '-';
    console.log(`${d.model.padEnd(10)}${d.profile.padEnd(12)}${d.shift.padEnd(13)}${String(d.strength).padStart(8)}${String(d.size).padStart(6)}  ${d.draw.padEnd(9)}  ${effect(d).padEnd(11)}${pct(d.detected).padStart(9)}${String(d.medianWindows ?? '-').padStart(12)}${pct(d.within3).padStart(9)}${pct(d.unchangedFalseAlarms).padStart(14)}  ${rule}`);
  }
  console.log('effect: digits accuracy change on the labels (points); vad share of frames whose speech decision (p >= 0.5) flips');
  for (const s of skipped) console.log(`no detection for ${s.model} ${s.profile}: ${pct(s.unchangedAlarmRate)} of unchanged windows of 200 alarm already`);
}
