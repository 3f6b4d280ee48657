// Streams audio through the bundled VAD with model.stream(): the clip (resampled here to the chosen rate first, to
// show the worker resampling it back) or the microphone (AudioWorklet → this page → the SDK's worker).
import { createRuntime, type Model, type ModelStream, type StreamChunk } from '../src/index.js';
import { resample } from '../src/worker/processors/resample.js';
import { speechClip } from './data-files.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, text: string) => void ($(id).textContent = text);
const canvas = $<HTMLCanvasElement>('timeline');
const draw = canvas.getContext('2d')!;
// WASM: onnxruntime-web's WebGPU EP computes this model wrongly on some adapters (see README "Bundled models").
const runtime = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'] });
let model: Model | undefined;
let stop: (() => Promise<void>) | undefined;
let probabilities: number[] = [];
let segments: { start: number; end?: number }[] = [];

function record({ frames, events }: StreamChunk) {
  for (const f of frames) probabilities.push(f.prediction.type === 'classes' ? f.prediction.score : 0);
  for (const e of events) {
    if (e.type === 'start') segments.push({ start: e.timeMs / 1000 });
    else segments[segments.length - 1]!.end = e.timeMs / 1000;
  }
  show('frames', String(probabilities.length));
  show('segments', segments.map((s) => `${s.start.toFixed(2)}–${s.end === undefined ? '…' : s.end.toFixed(2)} s`).join(', ') || 'none yet');
  document.body.dataset.frames = String(probabilities.length);
  document.body.dataset.segments = JSON.stringify(segments);
  paint();
}

function paint() {
  const { width, height } = canvas;
  draw.fillStyle = '#111';
  draw.fillRect(0, 0, width, height);
  const shown = probabilities.slice(-width);
  draw.fillStyle = '#3b82f6';
  shown.forEach((p, x) => draw.fillRect(x, height * (1 - p), 1, height * p));
  draw.strokeStyle = '#f59e0b';
  draw.beginPath();
  draw.moveTo(0, height * 0.5);
  draw.lineTo(width, height * 0.5);
  draw.stroke();
}

async function begin(label: string): Promise<ModelStream> {
  await stop?.();
  probabilities = [];
  segments = [];
  record({ frames: [], events: [] });
  show('status', label);
  $<HTMLButtonElement>('stop').disabled = false;
  return model!.stream({ sampleRate: Number($<HTMLSelectElement>('rate').value) });
}

async function streamClip() {
  const rate = Number($<HTMLSelectElement>('rate').value);
  const pcm = resample(await speechClip(), 16000, rate);
  const stream = await begin(`streaming the clip at ${rate} Hz`);
  let stopped = false;
  stop = async () => {
    stopped = true;
    await finish(stream, 'stopped');
  };
  const chunk = Math.round(rate / 10); // 100 ms at a time, as fast as the worker answers
  for (let at = 0; at < pcm.length && !stopped; at += chunk) {
    const start = performance.now();
    record(await stream.push(pcm.slice(at, at + chunk)));
    show('chunk', `100 ms of audio in ${(performance.now() - start).toFixed(1)} ms`);
  }
  if (!stopped) await finish(stream, 'clip done');
}

async function streamMic() {
  let media: MediaStream;
  try {
    media = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false } });
  } catch (error) {
    show('status', `no microphone: ${(error as Error).name}`);
    return;
  }
  const audio = new AudioContext();
  await audio.audioWorklet.addModule(new URL('./vad-worklet.js', import.meta.url));
  const source = audio.createMediaStreamSource(media);
  const tap = new AudioWorkletNode(audio, 'edge-infer-tap');
  $<HTMLSelectElement>('rate').value = String(audio.sampleRate);
  const stream = await begin(`listening at ${audio.sampleRate} Hz`);
  const pending: Float32Array[] = [];
  let sending = Promise.resolve();
  tap.port.onmessage = ({ data }: MessageEvent<Float32Array>) => {
    pending.push(data);
    if (pending.length < 32) return; // ~85 ms at 48 kHz per push
    const chunk = new Float32Array(pending.reduce((n, p) => n + p.length, 0));
    pending.splice(0).reduce((at, p) => (chunk.set(p, at), at + p.length), 0);
    sending = sending.then(async () => record(await stream.push(chunk))).catch(() => undefined);
  };
  source.connect(tap);
  stop = async () => {
    source.disconnect();
    media.getTracks().forEach((t) => t.stop());
    await sending;
    await finish(stream, 'microphone stopped');
    await audio.close();
  };
}

async function finish(stream: ModelStream, status: string) {
  await stream.close();
  stop = undefined;
  $<HTMLButtonElement>('stop').disabled = true;
  show('status', status);
  document.body.dataset.stream = 'done';
}

$('clip').addEventListener('click', () => void streamClip());
$('mic').addEventListener('click', () => void streamMic());
$('stop').addEventListener('click', () => void stop?.());

runtime.load('vad').then(
  (m) => {
    model = m;
    show('status', `ready (${m.backend}, ${m.processors?.pre?.type} processors from the manifest)`);
    document.body.dataset.ready = 'yes';
  },
  (error: Error & { code?: string }) => show('status', `error: ${error.code ?? ''} ${error.message}`),
);
