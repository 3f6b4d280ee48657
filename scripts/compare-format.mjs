// npm run compare's arguments and its table (scripts/compare.mjs); pure, so unit-tested in Node.
const BACKENDS = ['webgpu', 'webnn', 'wasm-1', 'wasm-n'];
const VARIANTS = ['fp32', 'int8-dynamic', 'int8-weights'];

function invalid(message) {
  return Object.assign(new Error(message), { code: 'options-invalid' });
}

function list(value, flag) {
  if (value === undefined || value.startsWith('--')) throw invalid(`${flag} needs a value`);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function positive(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw invalid(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

/** argv after `--` → { models: [{ file, inputs? }], config: Partial<LabConfig>, json?, csv?, help? }. */
export function parseCompareArgs(argv) {
  const out = { models: [], config: {}, json: undefined, csv: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw invalid(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag === '--model') out.models.push({ file: value() });
    else if (flag === '--inputs') {
      const last = out.models.at(-1);
      if (!last) throw invalid('--inputs belongs to a --model: give the model first');
      if (last.inputs) throw invalid(`--inputs given twice for ${last.file}`);
      last.inputs = value();
    } else if (flag === '--models') out.config.models = list(argv[++i], flag);
    else if (flag === '--backends') {
      // 'wasm' means both thread settings.
      const names = list(argv[++i], flag).flatMap((b) => (b === 'wasm' ? ['wasm-1', 'wasm-n'] : [b]));
      const unknown = names.filter((b) => !BACKENDS.includes(b));
      if (unknown.length) throw invalid(`unknown backend ${unknown.join(', ')}: expected some of wasm, ${BACKENDS.join(', ')}`);
      out.config.backends = [...new Set(names)];
    } else if (flag === '--variants') {
      const names = list(argv[++i], flag);
      const unknown = names.filter((v) => !VARIANTS.includes(v));
      if (unknown.length) throw invalid(`unknown variant ${unknown.join(', ')}: expected some of ${VARIANTS.join(', ')}`);
      out.config.variants = names;
    } else if (flag === '--batches') out.config.batches = list(argv[++i], flag).map((b) => positive(b, flag));
    else if (flag === '--runs') {
      const [min, max = min] = value().split('-');
      out.config.minRuns = positive(min, flag);
      out.config.maxRuns = positive(max, flag);
      if (out.config.maxRuns < out.config.minRuns) throw invalid(`--runs: the maximum ${max} is below the minimum ${min}`);
    } else if (flag === '--budget') out.config.budgetMs = positive(value(), flag);
    else if (flag === '--no-quality') out.config.quality = false;
    else if (flag === '--json') out.json = value();
    else if (flag === '--csv') out.csv = value();
    else throw invalid(`unknown argument "${flag}"`);
  }
  // Own models only, unless bundled ones are named too.
  if (out.models.length > 0 && out.config.models === undefined) out.config.models = [];
  return out;
}

const ms = (v) => (v === null || v === undefined ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const num = (v, digits) => (v === null || v === undefined ? '–' : v.toFixed(digits));

function qualityText(q) {
  if (!q) return '';
  if (q.kind === 'accuracy') return `acc ${(q.accuracy * 100).toFixed(2)}%`;
  if (q.kind === 'mae') return `MAE ${q.horizons.map((h) => `${h.months}m ${h.mae.toFixed(2)}`).join(' ')}`;
  return `frames ${(q.agreement * 100).toFixed(1)}%`;
}

/** The report as a fixed-width table per model, then its recommendation. */
export function printTable(report, print) {
  const d = report.device;
  print(`device: ${d.hardwareConcurrency} cores, WASM threads ${d.wasmThreads}${d.crossOriginIsolated ? '' : ' (not isolated)'}, ` +
    `WebGPU ${d.webgpu.available ? `${d.webgpu.vendor ?? '?'}/${d.webgpu.architecture ?? '?'}${d.webgpu.fallback ? ' (software)' : ''}` : `none (${d.webgpu.reason ?? '?'})`}, ` +
    `WebNN ${d.webnn ? 'yes' : 'no'}`);
  const head = ['variant', 'backend', 'thr', 'batch', 'KB', 'cold ms', 'warm ms', 'first ms', 'p50 ms', 'p95 ms', 'rows/s', 'max|diff|', 'cosine', 'top-1', 'quality / error'];
  for (const m of report.models) {
    print('');
    print(`${m.model}${m.bundled ? '' : ' (your file)'}${m.quantizeError ? ` — int8: ${m.quantizeError}` : ''}`);
    // A backend this device lacks fills no table rows: one line below says why.
    const absent = m.rows.filter((r) => r.error?.code === 'backend-unavailable');
    const lines = m.rows.filter((r) => !absent.includes(r)).map((r) => [
      r.variant, r.backend, String(r.threads), String(r.batch), (r.bytes / 1024).toFixed(0),
      ms(r.loadMs.cold), ms(r.loadMs.warm), ms(r.firstMs), ms(r.p50Ms), ms(r.p95Ms), num(r.perSecond, 0),
      r.agreement ? r.agreement.maxAbsDiff.toExponential(1) : '–', num(r.agreement?.cosine, 5),
      r.agreement?.top1 === undefined ? '–' : `${(r.agreement.top1 * 100).toFixed(1)}%`,
      r.error ? `${r.error.code}: ${r.error.message}` : qualityText(r.quality),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (i === head.length - 1 ? 0 : l[i].length))));
    const row = (cells) => cells.map((c, i) => (i < 4 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
    print(row(head));
    for (const l of lines) print(row(l));
    for (const why of new Set(absent.map((r) => `not measured on ${r.backend}: ${r.error.message}`))) print(why);
    print(`→ ${m.recommendation.text}`);
  }
  if (report.stopped) print('\n(stopped before the end: the rows are what was measured until then)');
}
