// The lab report out of the page: CSV and JSON files, a schema check for exported JSON, and a link that reruns
// the same configuration (the config in the query string).
import { qualityValue } from './recommend.js';
import { LAB_BACKENDS, VARIANTS, type LabBackendKey, type LabConfig, type LabReport, type VariantName } from './types.js';
export { checkReport } from './export-check.js';

export const CSV_COLUMNS = [
  'model', 'variant', 'backend', 'threads', 'batch', 'bytes', 'loadColdMs', 'loadWarmMs', 'firstMs', 'p50Ms', 'p95Ms',
  'perSecond', 'runs', 'maxAbsDiff', 'cosine', 'top1', 'quality', 'error',
] as const;

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break; empty for null or undefined. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line per row of every model (CRLF line ends, as RFC 4180 has them); quality is accuracy, 12-month MAE or frame agreement. */
export function toCsv(report: LabReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const m of report.models) {
    for (const r of m.rows) {
      const cells = [
        m.model, r.variant, r.backend, r.threads, r.batch, r.bytes, r.loadMs.cold, r.loadMs.warm, r.firstMs, r.p50Ms, r.p95Ms,
        r.perSecond, r.runs, r.agreement?.maxAbsDiff, r.agreement?.cosine, r.agreement?.top1, qualityValue(r.quality), r.error?.code,
      ];
      lines.push(cells.map(field).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Pretty JSON of the report without the rows' `timings` arrays. */
export function toJson(report: LabReport): string {
  return JSON.stringify(report, (key, value: unknown) => (key === 'timings' ? undefined : value), 2);
}

// Query-string limits: beyond them a value is treated as a typo and ignored (a batch of 10^6 would only exhaust memory).
const MAX_BATCH = 4096;
const MAX_RUNS = 100_000;
const MAX_BUDGET_MS = 3_600_000;

/** `base` with the config in its query string (other parameters and a #fragment of `base` are kept). */
export function rerunLink(base: string, config: LabConfig): string {
  const hashAt = base.indexOf('#');
  const hash = hashAt >= 0 ? base.slice(hashAt) : '';
  const [path = '', query = ''] = (hashAt >= 0 ? base.slice(0, hashAt) : base).split(/\?(.*)/s);
  const list = (items: readonly (string | number)[]) => items.map((i) => encodeURIComponent(String(i))).join(',');
  const ours = new Set(['models', 'backends', 'variants', 'batches', 'runs', 'budget', 'quality']);
  const kept = query.split('&').filter((p) => p && !ours.has(p.split('=')[0]!));
  const params = [
    `models=${list(config.models)}`,
    `backends=${list(config.backends)}`,
    `variants=${list(config.variants)}`,
    `batches=${list(config.batches)}`,
    `runs=${config.minRuns}-${config.maxRuns}`,
    `budget=${config.budgetMs}`,
    `quality=${config.quality ? 1 : 0}`,
  ];
  return `${path}?${[...kept, ...params].join('&')}${hash}`;
}

/** The config a rerun link carries; a missing or invalid value is left out (never thrown), unknown names dropped. */
export function configFromSearch(search: string): Partial<LabConfig> {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search);
  } catch {
    return {};
  }
  const config: Partial<LabConfig> = {};
  const names = (key: string) => [...new Set((params.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  const models = names('models');
  if (models.length) config.models = models;
  const backends = names('backends').filter((b): b is LabBackendKey => (LAB_BACKENDS as readonly string[]).includes(b));
  if (backends.length) config.backends = backends;
  const variants = names('variants').filter((v): v is VariantName => (VARIANTS as readonly string[]).includes(v));
  if (variants.length) config.variants = variants;
  const batches = names('batches').map(Number).filter((b) => Number.isInteger(b) && b >= 1 && b <= MAX_BATCH);
  if (batches.length) config.batches = [...new Set(batches)];
  const runs = /^(\d+)(?:-(\d+))?$/.exec(params.get('runs')?.trim() ?? '');
  if (runs) {
    const [min, max] = [Number(runs[1]), Number(runs[2] ?? runs[1])];
    if (min >= 1 && min <= max && max <= MAX_RUNS) (config.minRuns = min), (config.maxRuns = max);
  }
  const budget = Number(params.get('budget') ?? NaN);
  if (Number.isFinite(budget) && budget > 0 && budget <= MAX_BUDGET_MS) config.budgetMs = budget;
  const quality = params.get('quality');
  if (quality === '1' || quality === 'true') config.quality = true;
  if (quality === '0' || quality === 'false') config.quality = false;
  return config;
}
