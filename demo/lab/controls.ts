// The lab's form: which models, backends, variants and batch sizes, how many runs; read into a LabConfig and
// written back from one (a rerun link or `edgeInferLab.run(config)` shows on the page what it ran).
import { DEFAULT_CONFIG, LAB_BACKENDS, VARIANTS, type LabBackendKey, type LabConfig } from './types.js';
import type { ManifestModel } from './sources.js';

export const BATCHES = [1, 16, 64] as const;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const BACKEND_LABELS: Record<LabBackendKey, string> = {
  webgpu: 'WebGPU',
  webnn: 'WebNN',
  'wasm-1': 'WASM, 1 thread',
  'wasm-n': 'WASM, N threads',
};

/** WebNN only where the browser has it; WASM on N threads needs a cross-origin isolated page. */
export function offeredBackends(): LabBackendKey[] {
  return LAB_BACKENDS.filter((b) => b !== 'webnn' || 'ml' in navigator);
}

function checkbox(container: HTMLElement, value: string, label: string, title = ''): HTMLInputElement {
  const wrap = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.value = value;
  wrap.append(input, ` ${label}`);
  if (title) wrap.title = title;
  container.append(wrap);
  return input;
}

/** 247 B, 8.7 KiB, 796 KiB, 2.2 MiB. */
const kib = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 10 * 1024 ? `${Math.round(bytes / 1024)} KiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;

export function renderControls(manifest: readonly ManifestModel[]): void {
  for (const m of manifest) checkbox($('models'), m.id, `${m.id} `, m.file).parentElement!.append(Object.assign(document.createElement('small'), { className: 'hint', textContent: kib(m.bytes) }));
  for (const b of offeredBackends()) {
    const box = checkbox($('backends'), b, BACKEND_LABELS[b], b === 'wasm-n' ? "as many threads as onnxruntime-web uses on this device (the status line gives N after a run)" : '');
    if (b === 'wasm-n' && !crossOriginIsolated) {
      box.parentElement!.classList.add('off');
      box.parentElement!.title = 'this page is not cross-origin isolated: WASM runs on 1 thread';
    }
  }
  for (const v of VARIANTS) checkbox($('variants'), v, v);
  for (const b of BATCHES) checkbox($('batches'), String(b), String(b), b > 1 ? 'only for models whose first input dim is free' : '');
}

const checked = (id: string) => [...$(id).querySelectorAll<HTMLInputElement>('input[type=checkbox]')].filter((i) => i.checked).map((i) => i.value);
const number = (id: string, fallback: number) => {
  const value = $<HTMLInputElement>(id).valueAsNumber;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export function readConfig(): LabConfig {
  const minRuns = Math.round(number('min-runs', DEFAULT_CONFIG.minRuns));
  return {
    models: checked('models'),
    backends: checked('backends') as LabBackendKey[],
    variants: checked('variants') as LabConfig['variants'],
    batches: checked('batches').map(Number),
    minRuns,
    maxRuns: Math.max(minRuns, Math.round(number('max-runs', DEFAULT_CONFIG.maxRuns))),
    budgetMs: number('budget', DEFAULT_CONFIG.budgetMs),
    quality: $<HTMLInputElement>('quality').checked,
  };
}

/** Shows `config` in the form; batch sizes the form does not offer get a box of their own. */
export function writeConfig(config: LabConfig): void {
  const tick = (id: string, values: readonly (string | number)[]) => {
    for (const input of $(id).querySelectorAll<HTMLInputElement>('input[type=checkbox]')) input.checked = values.map(String).includes(input.value);
  };
  for (const b of config.batches) if (!$('batches').querySelector(`input[value="${b}"]`)) checkbox($('batches'), String(b), String(b));
  tick('models', config.models);
  tick('backends', config.backends);
  tick('variants', config.variants);
  tick('batches', config.batches);
  $<HTMLInputElement>('min-runs').value = String(config.minRuns);
  $<HTMLInputElement>('max-runs').value = String(config.maxRuns);
  $<HTMLInputElement>('budget').value = String(config.budgetMs);
  $<HTMLInputElement>('quality').checked = config.quality;
}

/** While a run goes, the form is read-only and Stop is the one live button. */
export function setRunning(running: boolean): void {
  for (const el of document.querySelectorAll<HTMLInputElement | HTMLButtonElement>('.lab-grid input, .lab-grid button')) {
    if (el.id !== 'stop') el.disabled = running;
  }
  $<HTMLButtonElement>('stop').disabled = !running;
}

export { kib };
