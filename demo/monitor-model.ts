// The controls of the monitor page's "Model monitoring" part: model, shift (changeable while streaming), strength,
// window size, speed, split between two versions, Start/Stop. Subscribes to the model's drift events for the alert log and redraws a few times a
// second while the stream runs.
import type { Model } from '../src/index.js';
import { QualityLog, renderModel, type Alert } from './monitor-drift.js';
import { MonitorStream, type LiveShift } from './monitor-stream.js';
import { shiftsFor, type ShiftModel } from './shifts.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('m-model');
const shiftSelect = $<HTMLSelectElement>('m-shift');
const strengthSelect = $<HTMLSelectElement>('m-strength');
const custom = $<HTMLInputElement>('m-custom');
const windowSelect = $<HTMLSelectElement>('m-window');
const speedSelect = $<HTMLSelectElement>('m-speed');
const splitBox = $<HTMLInputElement>('m-split');
const startButton = $<HTMLButtonElement>('m-start');
const stopButton = $<HTMLButtonElement>('m-stop');

const live: LiveShift = { shift: undefined, strength: 0 };
let stream: MonitorStream | undefined;
let alerts: Alert[] = [];
let qualityLog = new QualityLog();
let watched: Model | undefined;
let drawn = 0;
let queued = false;

function fillShifts(): void {
  const shifts = shiftsFor(modelSelect.value as ShiftModel);
  shiftSelect.innerHTML = ['<option value="">none</option>', ...shifts.map((s) => `<option value="${s.id}">${s.label}</option>`)].join('');
  readShift();
}

/** Reads the shift controls into `live`, which the running stream reads before every row. */
function readShift(): void {
  const shift = shiftsFor(modelSelect.value as ShiftModel).find((s) => s.id === shiftSelect.value);
  live.shift = shift;
  strengthSelect.disabled = !shift;
  custom.hidden = !shift || strengthSelect.value !== 'custom';
  if (!shift) return void ($('m-unit').textContent = '');
  const [weak, strong] = shift.strengths;
  if (custom.dataset.shift !== `${shift.model}/${shift.id}`) (custom.value = String(strong)), (custom.dataset.shift = `${shift.model}/${shift.id}`);
  const chosen = strengthSelect.value === 'weak' ? weak : strengthSelect.value === 'strong' ? strong : Number(custom.value);
  live.strength = Number.isFinite(chosen) ? chosen : strong;
  $('m-unit').textContent = `${live.strength} ${shift.unit} (weak ${weak}, strong ${strong})`;
}

function draw(): void {
  queued = false;
  drawn = performance.now();
  if (!stream) return;
  const model = stream.state.model;
  if (model && model !== watched) {
    watched = model;
    const log = (event: Alert['event']) => (d: { window: number; features: readonly { name: string; drift: boolean }[] }) =>
      void alerts.push({ event, window: d.window, at: Date.now(), features: d.features.filter((f) => f.drift).map((f) => f.name) });
    model.monitor.on('drift', log('drift'));
    model.monitor.on('recovered', log('recovered'));
  }
  const quality = model?.monitor.quality();
  if (quality) qualityLog.add(quality);
  renderModel(stream.state, model?.monitor.report(), quality, qualityLog, alerts);
}

/** At most about 4 redraws a second, and one right away after a quiet spell. */
function changed(): void {
  if (queued) return;
  queued = true;
  setTimeout(() => requestAnimationFrame(draw), Math.max(0, 250 - (performance.now() - drawn)));
}

async function start(): Promise<void> {
  await stop();
  alerts = [];
  qualityLog = new QualityLog();
  watched = undefined;
  const settings = { model: modelSelect.value as ShiftModel, windowSize: Number(windowSelect.value), rowsPerSecond: Number(speedSelect.value), split: splitBox.checked };
  stream = new MonitorStream(settings, live, changed);
  for (const control of [modelSelect, windowSelect, speedSelect, splitBox, startButton]) control.disabled = true;
  stopButton.disabled = false;
  stream.start();
  changed();
}

async function stop(): Promise<void> {
  if (!stream) return;
  stopButton.disabled = true;
  await stream.stop();
  draw();
  for (const control of [modelSelect, windowSelect, speedSelect, splitBox, startButton]) control.disabled = false;
}

modelSelect.addEventListener('change', fillShifts);
for (const control of [shiftSelect, strengthSelect, custom]) control.addEventListener('change', readShift);
startButton.addEventListener('click', () => void start());
stopButton.addEventListener('click', () => void stop());
window.addEventListener('pagehide', () => void stream?.stop());

const query = new URLSearchParams(location.search);
if (query.get('model')) modelSelect.value = query.get('model')!;
if (query.has('split')) splitBox.checked = true;
fillShifts();
document.body.dataset.modelMonitoring = 'ready';
