import { createRuntime, type Backend, type Model, type Pipeline } from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const backendSelect = $<HTMLSelectElement>('backend');
const ctx = pad.getContext('2d', { willReadFrequently: true })!;
// Telemetry goes to the demo server's OTLP receiver; demo/monitor.html shows what it got.
const runtime = createRuntime({
  manifest: '/models/manifest.json',
  telemetry: { endpoint: location.origin, serviceName: 'edge-infer-demo', intervalMs: 2000 },
});
let model: Model | undefined;
/** The multi-digit reader as a pipeline of steps in the worker: it answers as predict(image, { split }) does. */
let reader: Pipeline | undefined;
let loading: Promise<void> = Promise.resolve();

function show(id: string, text: string) {
  $(id).textContent = text;
}

async function loadModel(choice: string) {
  show('status', 'loading model…');
  await model?.dispose();
  model = undefined;
  reader = undefined;
  try {
    const backend = choice === 'auto' ? {} : { backend: choice as Backend };
    model = await runtime.load('digits', {
      ...backend,
      onProgress: (e) => {
        if (e.type === 'download') show('status', `downloading ${(e.loaded / 1024).toFixed(0)} of ${((e.total ?? 0) / 1024).toFixed(0)} KiB…`);
        if (e.type === 'verify') show('status', 'verifying sha256…');
        if (e.type === 'warning') show('fallback', e.message);
      },
    });
    reader = runtime.pipeline([
      { split: 'columns', minGap: 8 },
      { pre: model, each: true },
      { model, each: true },
      { post: model, each: true },
      { join: 'labels' },
    ]);
    show('used', model.backend);
    show('source', `${model.source}${model.cached ? ' (cached in IndexedDB)' : ''}, version ${model.version}`);
    show('fallback', model.fallbackReason ?? 'none');
    show('choice', describeChoice(model));
    show('build', `onnxruntime-web ${model.build} build`);
    show('status', `ready (${model.loadMs.toFixed(0)} ms to load)`);
    show('threads', String((await runtime.env()).numThreads));
  } catch (error) {
    show('used', '–');
    show('status', `error: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
  }
  document.body.dataset.ready = model ? 'yes' : 'error';
  document.body.dataset.loads = String(Number(document.body.dataset.loads ?? 0) + 1);
}

/** `auto · webgpu: <why not> · wasm int8-dynamic: 0.06 ms · wasm int8-weights: 0.04 ms`: measured, or why not usable. */
function describeChoice(model: Model): string {
  const { mode, cached, candidates } = model.backendChoice;
  const parts = candidates.map((c) => `${c.backend}${c.variant ? ` ${c.variant}` : ''}: ${c.ms !== undefined ? `${c.ms.toFixed(3)} ms` : c.reason ?? 'the only usable one'}`);
  return `${mode}${cached ? ' (remembered from an earlier visit)' : ''} · ${parts.join(' · ')}`;
}

async function predict() {
  if (!model) return;
  const start = performance.now();
  // The manifest's processors crop, scale and centre the drawing as MNIST digits were made, in the worker; with
  // several digits, each piece between blank columns is read alone and the labels are joined.
  const several = $<HTMLInputElement>('several').checked;
  const answer = await model.predict(ctx.getImageData(0, 0, pad.width, pad.height), several ? { split: 'columns', minGap: 8 } : { topK: 10 });
  const latency = performance.now() - start;
  if (answer.type === 'sequence') {
    show('prediction', answer.text || '–');
    show('inference', `${answer.inferenceMs.toFixed(2)} ms for ${answer.items.length} digit(s) in one batch`);
    show('latency', `${latency.toFixed(2)} ms`);
    $('bars').replaceChildren();
    if (reader) show('pipeline', describePipeline(reader, await reader.run(ctx.getImageData(0, 0, pad.width, pad.height)), answer.text));
    document.body.dataset.predictions = String(Number(document.body.dataset.predictions ?? 0) + 1);
    return;
  }
  if (answer.type !== 'classes') return;
  const probabilities = new Float32Array(10);
  for (const c of answer.topK) probabilities[c.index] = c.score;
  show('prediction', answer.label);
  show('inference', `${answer.inferenceMs.toFixed(2)} ms`);
  show('latency', `${latency.toFixed(2)} ms`);
  $('bars').replaceChildren(
    ...Array.from(probabilities, (p) => {
      const li = document.createElement('li');
      li.innerHTML = `<span class="bar" style="width:${(p * 120).toFixed(1)}px"></span>${(p * 100).toFixed(1)}%`;
      return li;
    }),
  );
  document.body.dataset.predictions = String(Number(document.body.dataset.predictions ?? 0) + 1);
}

/** `17 (as predict()) · split 0.21 ms · pre 0.35 ms · model 0.05 ms · post 0.02 ms · join 0.00 ms` */
function describePipeline(pipeline: Pipeline, result: Awaited<ReturnType<Pipeline['run']>>, predicted: string): string {
  const text = result.type === 'prediction' && result.prediction.type === 'sequence' ? result.prediction.text : '?';
  const steps = pipeline.kinds.map((kind, i) => `${kind} ${result.ms[i]!.toFixed(2)} ms`);
  return [`${text || '–'} (${text === predicted ? 'as predict()' : `predict() read ${predicted || '–'}`})`, ...steps].join(' · ');
}

function clear() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  show('prediction', '–');
  show('pipeline', '–');
  $('bars').replaceChildren();
}

let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  ctx.beginPath();
  ctx.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 22;
  ctx.lineCap = ctx.lineJoin = 'round';
  ctx.lineTo(e.offsetX, e.offsetY);
  ctx.stroke();
});
pad.addEventListener('pointerup', () => {
  drawing = false;
  void loading.then(predict);
});
$('clear').addEventListener('click', clear);
$('several').addEventListener('change', (e) => {
  pad.width = (e.target as HTMLInputElement).checked ? 560 : 280; // room for a few digits side by side
  clear();
});
backendSelect.addEventListener('change', () => (loading = loadModel(backendSelect.value)));

clear();
loading = loadModel(backendSelect.value);
