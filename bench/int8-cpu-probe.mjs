// Run as `node bench/int8-cpu-probe.mjs '<json>'` with { batches, rounds, files: [{ form, file }] }: onnxruntime-web's
// WASM backend in Node (1 thread, so every kernel runs on the main thread), timed in CPU time of the main thread
// (/proc/self/task/<pid>/schedstat, nanoseconds): other processes on a busy machine slow the wall clock, not this.
// Forms alternate in rounds; per batch and form: CPU ms per run over all rounds (the clock only advances at scheduler
// ticks and switches, ~4 ms, so a sum over many chunks is exact where a single chunk is not) and its ratio to the
// first form's.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

const { batches, rounds, files } = JSON.parse(process.argv[2]);
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const cpuMs = () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;

const sessions = [];
for (const { file } of files) sessions.push(await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }));
const width = Number(sessions[0].inputMetadata[0].shape[1]);

const cells = [];
for (const batch of batches) {
  const x = new ort.Tensor('float32', Float32Array.from({ length: batch * width }, (_, i) => ((i * 7919) % 255) / 255), [batch, width]);
  const run = (s) => s.run({ [s.inputNames[0]]: x });
  // Warm up (V8 tiers the wasm up in the background), then size each chunk to ~40 ms of CPU.
  for (const s of sessions) for (const end = performance.now() + 500; performance.now() < end;) await run(s);
  const counts = [];
  for (const s of sessions) {
    const start = cpuMs();
    let n = 0;
    while (cpuMs() - start < 40 || n < 3) {
      await run(s);
      n++;
    }
    counts.push(Math.max(3, Math.round(40 / ((cpuMs() - start) / n))));
  }
  const total = sessions.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of sessions.entries()) {
      const start = cpuMs();
      for (let k = 0; k < counts[i]; k++) await run(s);
      total[i] += cpuMs() - start;
    }
  }
  const perRun = total.map((t, i) => t / (rounds * counts[i]));
  files.forEach(({ form }, i) => cells.push({ form, batch, cpuMs: perRun[i], ratio: perRun[i] / perRun[0] }));
}
process.stdout.write(JSON.stringify(cells));
process.exit(0);
