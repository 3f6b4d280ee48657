// Round trips of a digits-sized run message (784 floats) to a worker that answers at once: what the messages alone
// cost, by how the input travels. `sdk`: the SDK's run message, input copied into a buffer the worker handed back;
// `sdk-alloc`: copied into a new buffer each call, none handed back; `sdk-clone`: not moved (postMessage copies it),
// none handed back; `sdk-premade`: arrays made before timing, none
// handed back (as the runtime bench feeds the proxy); `ort-proxy`: onnxruntime-web's proxy message, arrays made
// before timing. Modes alternate in rounds.
const worker = new Worker(new URL('./messages-worker.ts', import.meta.url), { type: 'module' });
const calls = Number(new URLSearchParams(location.search).get('calls') ?? 3000);
const source = new Float32Array(784).map((_, i) => i / 784);
const policy = { maxBatch: 64, maxDelayMs: 2 };
let returned: ArrayBuffer | undefined;
let premade: Float32Array[] = [];
let next = 0;

function sdk(copy: 'returned' | 'alloc' | 'premade' | 'clone') {
  return (i: number) => new Promise<void>((resolve) => {
    worker.onmessage = (e) => {
      if (copy === 'returned') returned = e.data[3][0];
      resolve();
    };
    let data: Float32Array;
    if (copy === 'clone') data = source; // structured clone copies it; nothing moves
    else if (copy === 'premade') data = premade[next++]!;
    else if (copy === 'alloc' || !returned) data = source.slice();
    else (data = new Float32Array(returned)).set(source), (returned = undefined);
    worker.postMessage([i, 1, { pixels: { dtype: 'float32', dims: [1, 784], data } }, false, policy, true, copy !== 'returned'], copy === 'clone' ? [] : [data.buffer]);
  });
}

function proxy(): Promise<void> {
  return new Promise((resolve) => {
    worker.onmessage = () => resolve();
    const data = premade[next++]!;
    worker.postMessage({ type: 'run', in: { sessionId: 1, inputIndices: [0], inputs: [['float32', [1, 784], data, 'cpu']], outputIndices: [0], options: {} } }, [data.buffer]);
  });
}

async function p50(run: (i: number) => Promise<void>): Promise<number> {
  premade = Array.from({ length: calls }, () => source.slice());
  next = 0;
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b)[calls >> 1]! * 1000;
}

const MODES = { sdk: sdk('returned'), 'sdk-alloc': sdk('alloc'), 'sdk-clone': sdk('clone'), 'sdk-premade': sdk('premade'), 'ort-proxy': proxy };

async function main(): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {};
  for (let round = 0; round < 4; round++) {
    for (const [mode, run] of Object.entries(MODES)) {
      const us = await p50(run);
      if (round > 0) (result[mode] ??= []).push(us); // round 0 warms up
    }
  }
  return result;
}

(window as unknown as { benchResult: Promise<Record<string, number[]>> }).benchResult = main();
