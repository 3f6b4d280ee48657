// int8 variants of a bundled model: quantized with the SDK's own quantizer (src/tools, built into dist/tools),
// measured on the fp32 entry's held-out data, and recorded as the manifest entry's `variants`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantize } from '../../dist/tools/index.js';
import { sha256 } from '../lib/onnx.mjs';
import { checkSignature, createSession } from '../lib/runtime.mjs';
import { measureQuality } from './quality.mjs';
import { SPEED } from './speed.mjs';

// dynamic: integer kernels, the WASM form. weights: float compute on int8-stored weights expanded at load, the
// WebGPU form (WebGPU has no MatMulInteger/ConvInteger; they would fall back to the CPU).
const FORMS = [
  { mode: 'dynamic', backends: ['wasm'] },
  { mode: 'weights', backends: ['webgpu'] },
];
// Short internal names: exporters' long names would otherwise be a tenth of an int8 file (Silero VAD).
const QUANTIZE_OPTIONS = { compactNames: true };
// Models with at least this much float32 weight must shrink to MAX_SIZE_RATIO of the fp32 file.
export const WEIGHT_HEAVY_BYTES = 100 * 1024;
export const MAX_SIZE_RATIO = 0.3;

/** Builds, measures and describes the int8 variants of one manifest entry; `fp32` holds its model bytes. */
export async function buildVariants(entry, fp32, root, log = console.log) {
  const variants = [];
  for (const form of FORMS) {
    const { bytes, report } = quantize(fp32, { mode: form.mode, ...QUANTIZE_OPTIONS });
    if (!report.changed) throw new Error(`${entry.id}: nothing quantized in ${form.mode} mode`);
    const file = `${entry.id}/model.int8-${form.mode}.onnx`;
    const session = await createSession(bytes);
    checkSignature(`${entry.id} int8 ${form.mode}`, session, { inputs: entry.inputs, outputs: entry.outputs });
    await session.release();
    writeFileSync(join(root, file), bytes);

    const { metrics, gate } = await measureQuality(bytes, entry, root);
    const weightHeavy = report.weightBytes.before >= WEIGHT_HEAVY_BYTES;
    const sizeRatio = bytes.length / entry.bytes;
    const sizeGate = {
      rule: `at most ${MAX_SIZE_RATIO * 100}% of the fp32 file for models with ${WEIGHT_HEAVY_BYTES / 1024} KiB or more of weights`,
      value: Number(sizeRatio.toFixed(4)), limit: MAX_SIZE_RATIO, applies: weightHeavy, passed: !weightHeavy || sizeRatio <= MAX_SIZE_RATIO,
    };
    variants.push({
      precision: 'int8',
      mode: form.mode,
      backends: [...form.backends],
      file,
      bytes: bytes.length,
      sha256: sha256(bytes),
      metrics,
      gates: { quality: gate, size: sizeGate },
      quantizer: {
        mode: report.mode,
        perChannel: report.perChannel,
        expand: report.expand,
        minElements: report.minElements,
        compactNames: report.compactNames,
        ...report.summary,
      },
    });
    log(`${entry.id}: int8 ${form.mode} ${bytes.length} bytes (${(sizeRatio * 100).toFixed(1)}%), ` +
      `${report.summary.nodesQuantized} nodes quantized, ${report.summary.nodesSkipped} skipped; ${gate.rule}: ${gate.value} (${gate.passed ? 'pass' : 'FAIL'})`);
  }
  return recommend(entry.id, variants);
}

/**
 * `recommended`: int8 beats fp32 on the variant's backends: inside the quality and size gates and not slower there
 * (speed verdicts come from `npm run bench`, recorded in speed.mjs). Where the WASM form is not recommended but the
 * WebGPU form is as fast as fp32 on WASM too (its weights are expanded at load), that form also lists 'wasm'; so
 * each backend has at most one recommended int8 variant.
 */
function recommend(id, variants) {
  const speed = SPEED[id] ?? {};
  const passes = (v) => v.gates.quality.passed && v.gates.size.passed;
  const verdict = (v, backend) => speed[v.mode]?.[backend]?.verdict ?? 'unmeasured';
  for (const v of variants) {
    v.speed = Object.fromEntries(v.backends.map((b) => [b, speed[v.mode]?.[b] ?? { verdict: 'unmeasured' }]));
    v.recommended = passes(v) && v.backends.every((b) => ['faster', 'same'].includes(verdict(v, b)));
  }
  const dynamic = variants.find((v) => v.mode === 'dynamic');
  const weights = variants.find((v) => v.mode === 'weights');
  if (dynamic && weights && !dynamic.recommended && passes(weights) && ['faster', 'same'].includes(verdict(weights, 'wasm'))) {
    weights.backends.push('wasm');
    weights.speed.wasm = speed.weights.wasm;
  }
  return variants;
}
