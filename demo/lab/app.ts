// The lab page: the form, the user's models, a run (live rows, progress, stop), the results with their charts and
// exports, and `window.edgeInferLab` for `npm run compare` and the tests.
import { renderCharts } from './confusion.js';
import { offeredBackends, readConfig, renderControls, setRunning, writeConfig } from './controls.js';
import { initDropzone, pairFiles, selectedDropped, showEntries, showFileProblems, type Entry } from './dropzone.js';
import { runLab } from './engine.js';
import { configFromSearch, rerunLink, toCsv, toJson } from './export.js';
import { readDropped, warmQuantizer } from './files.js';
import { recommend, RULES } from './recommend.js';
import { readManifest, sourcesFor, type ManifestModel } from './sources.js';
import { prepareRuntime, showDevice, showDownloads, showProgress, showStatus } from './status.js';
import { clearResults, modelCard, showNotReached, showRecommendation, showResult, showRow } from './table.js';
import { DEFAULT_CONFIG, type LabApi, type LabConfig, type LabProgress, type LabReport, type LabRow } from './types.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const body = document.body.dataset;
const entries = new Map<string, Entry>();
let manifest: ManifestModel[] = [];
let running: AbortController | undefined;
let lastReport: LabReport | undefined;

/** What a rejected addModel or run carries: `{ code, message }`, as LabApi promises. */
const failure = (error: unknown) => ({
  code: String((error as { code?: unknown })?.code ?? 'lab-failed'),
  message: String((error as Error)?.message ?? error),
});

function renderEntries(): void {
  showEntries(entries.values(), (id) => {
    entries.delete(id);
    renderEntries();
  });
}

async function addModel(model: File, inputs?: File): Promise<void> {
  const id = model.name;
  entries.set(id, { id, state: 'reading', ...(inputs ? { npy: inputs.name } : {}) });
  renderEntries();
  try {
    entries.set(id, { id, state: 'ready', model: await readDropped(model, inputs) });
  } catch (error) {
    const { code, message } = failure(error);
    entries.set(id, { id, state: 'failed', ...(inputs ? { npy: inputs.name } : {}), error: { code, message } });
    throw Object.assign(new Error(message), { code });
  } finally {
    renderEntries();
  }
}

function onFiles(files: File[]): void {
  const { pairs, problems } = pairFiles(files);
  showFileProblems(problems);
  for (const [model, npy] of pairs) addModel(model, npy).catch(() => undefined); // the message is shown on the list
}

/** The config of a run: the form, then what the caller asked for; shown in the form. */
function configOf(partial: Partial<LabConfig> = {}): LabConfig {
  const config = { ...readConfig(), ...partial };
  writeConfig(config);
  return config;
}

async function run(partial?: Partial<LabConfig>, onProgress?: (p: LabProgress) => void): Promise<LabReport> {
  if (running) throw Object.assign(new Error('a run is in progress: stop it first'), { code: 'lab-busy' });
  const controller = (running = new AbortController());
  const config = configOf(partial);
  const unknown = config.models.filter((id) => !manifest.some((m) => m.id === id));
  const dropped = selectedDropped().flatMap((id) => {
    const entry = entries.get(id);
    return entry?.state === 'ready' ? [entry.model.source] : [];
  });
  body.running = '';
  delete body.done;
  setRunning(true);
  clearResults();
  $('summary').hidden = true;
  const started = performance.now();
  const live = new Map<string, LabRow[]>();
  let report: LabReport | undefined;
  try {
    showStatus('starting…');
    await prepareRuntime(config.backends);
    showStatus('reading the held-out data…');
    const sources = await sourcesFor(config.models, manifest, dropped);
    if (sources.length === 0) showStatus('nothing to compare: tick a bundled model or add your own');
    for (const s of sources) modelCard(s.id);
    report = await runLab({
      config, sources, signal: controller.signal,
      onProgress: (p) => {
        showProgress(p);
        onProgress?.(p);
      },
      onRow: (model, row) => {
        showRow(model, row);
        const rows = [...(live.get(model) ?? []), row];
        live.set(model, rows);
        showRecommendation(model, { ...recommend(rows), text: `so far: ${recommend(rows).text}` });
      },
    });
    showReport(report);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const cells = report.models.reduce((n, m) => n + m.rows.length, 0);
    const skipped = unknown.length ? ` Not in the manifest: ${unknown.join(', ')}.` : '';
    showStatus(`${report.stopped ? 'Stopped' : 'Done'}: ${cells} cells in ${seconds} s.${skipped}`, !report.stopped);
    return report;
  } catch (error) {
    const { code, message } = failure(error);
    showStatus(`The run failed: ${code}: ${message}`);
    throw Object.assign(new Error(message), { code });
  } finally {
    running = undefined;
    setRunning(false);
    delete body.running;
    body.done = !report ? 'error' : report.stopped ? 'stopped' : 'yes';
  }
}

function showReport(report: LabReport): void {
  lastReport = report;
  for (const result of report.models) renderCharts(showResult(result), result);
  showNotReached(report.models.map((m) => m.model));
  showDevice(report.device);
  const link = $<HTMLAnchorElement>('rerun');
  link.href = rerunLink(`${location.pathname}?autorun=1`, report.config);
  $('summary').hidden = false;
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function wire(): void {
  $('run').addEventListener('click', () => void run().catch(() => undefined)); // the status line says why
  $('stop').addEventListener('click', () => {
    running?.abort();
    showStatus('stopping after the current cell…');
  });
  const stamp = () => (lastReport?.createdAt ?? new Date().toISOString()).replace(/[:.]/g, '-');
  $('export-json').addEventListener('click', () => lastReport && download(`edge-infer-lab-${stamp()}.json`, toJson(lastReport), 'application/json'));
  $('export-csv').addEventListener('click', () => lastReport && download(`edge-infer-lab-${stamp()}.csv`, toCsv(lastReport), 'text/csv'));
  initDropzone(onFiles);
  $('rules-list').replaceChildren(...RULES.map((rule) => Object.assign(document.createElement('li'), { textContent: rule })));
  let resize: ReturnType<typeof setTimeout> | undefined;
  addEventListener('resize', () => {
    clearTimeout(resize);
    resize = setTimeout(() => lastReport && !running && lastReport.models.forEach((m) => renderCharts(modelCard(m.model), m)), 300);
  });
}

async function start(): Promise<void> {
  wire();
  showDevice(undefined);
  try {
    manifest = await readManifest();
  } catch (error) {
    showStatus(`The model manifest could not be read: ${(error as Error).message}. Your own models can still be compared.`);
  }
  renderControls(manifest);
  const offered = offeredBackends();
  writeConfig({
    ...DEFAULT_CONFIG,
    models: DEFAULT_CONFIG.models.filter((id) => manifest.some((m) => m.id === id)),
    backends: DEFAULT_CONFIG.backends.filter((b) => offered.includes(b)),
    ...configFromSearch(location.search),
  });
  setRunning(false);
  if (manifest.length) showStatus('Ready: pick what to compare and press Run.');
  showDownloads('');
  setTimeout(warmQuantizer, 1500); // fetch the quantizer now, so dropping a file works offline later
}

const ready = start();
const api: LabApi = { ready, addModel, run };
window.edgeInferLab = api;
void ready.then(() => {
  body.ready = manifest.length ? 'yes' : 'no-manifest';
  if (new URLSearchParams(location.search).get('autorun') === '1') void run().catch(() => undefined);
});
