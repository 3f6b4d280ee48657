// Human-readable forms of the inspect and quantize reports (the --json forms are the reports themselves).
import type { InspectReport, IoEntry } from './inspect.js';
import type { QuantizeReport } from './quantize/report.js';

const LIST_LIMIT = 12;

const kb = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
const count = (n: number) => n.toLocaleString('en-US');
const io = (v: IoEntry) => `${v.name} ${v.dtype}${v.dims ? ` [${v.dims.join(', ')}]` : ''}`;

function limited(lines: string[]): string[] {
  if (lines.length <= LIST_LIMIT) return lines;
  return [...lines.slice(0, LIST_LIMIT), `  ... ${lines.length - LIST_LIMIT} more (--json lists them all)`];
}

export function formatInspect(path: string, r: InspectReport): string {
  const ops = Object.entries(r.ops).map(([op, n]) => `${op} ${n}`).join(', ');
  const dtypes = Object.entries(r.weights.byDtype).map(([d, t]) => `${d} ${kb(t.bytes)} (${t.tensors})`).join(', ');
  const where = r.weights.byGraph.map((g) => {
    const parts = [];
    if (g.initializers.tensors) parts.push(`${kb(g.initializers.bytes)} in ${g.initializers.tensors} initializer(s)`);
    if (g.constants.tensors) parts.push(`${kb(g.constants.bytes)} in ${g.constants.tensors} Constant node(s)`);
    return `  ${g.graph}: ${parts.join(', ')}`;
  });
  const largest = r.weights.largest.map((t) => `  ${kb(t.bytes).padStart(10)}  ${t.dtype} [${t.dims.join(', ')}] ${t.name} (${t.source}, ${t.graph})`);
  return [
    `${path}: ${count(r.fileBytes)} bytes, IR ${r.irVersion}, ${r.opsets.map((o) => `${o.domain} opset ${o.version}`).join(', ')}` +
      (r.producer.name ? `, made by ${r.producer.name} ${r.producer.version}`.trimEnd() : ''),
    `inputs:  ${r.inputs.map(io).join('; ')}`,
    `outputs: ${r.outputs.map(io).join('; ')}`,
    `graphs:  ${r.graphs} (main + ${r.graphs - 1} subgraphs), ${count(r.nodes)} nodes`,
    `ops:     ${ops}`,
    `weights: ${kb(r.weights.bytes)} in ${r.weights.tensors} tensors: ${dtypes}` +
      (r.weights.external.tensors ? `; ${kb(r.weights.external.bytes)} in external files` : ''),
    'where:',
    ...limited(where),
    'largest:',
    ...largest,
    ...(r.unknownFields ? [`note: ${r.unknownFields} field(s) unknown to the ONNX 1.10 schema`] : []),
  ].join('\n');
}

export function formatQuantize(input: string, output: string, r: QuantizeReport & { verified: boolean }): string {
  const s = r.summary;
  const scales = r.perChannel === 'auto' ? 'per-channel where it helps' : r.perChannel ? 'per-channel' : 'per-tensor';
  const expand = r.expand === 'load' ? 'once, at session load' : 'at every run';
  const lines = [`${input}: ${r.mode} int8, ${scales}; weights read as float32 are expanded ${expand}`];
  if (!r.changed) {
    lines.push(`nothing to quantize; ${output} was not written`);
  } else {
    lines.push(`wrote ${output}: ${count(r.bytes.before)} -> ${count(r.bytes.after)} bytes (${((100 * r.bytes.after) / r.bytes.before).toFixed(1)}%)` +
      (r.verified ? ', loads in onnxruntime-web with the same inputs and outputs' : ''));
  }
  lines.push(`weights: ${s.weightsQuantized} quantized (${kb(r.weightBytes.before)} -> ${kb(r.weightBytes.after)}), ${s.weightsKept} kept float32`);
  const integer = r.nodes.quantized.filter((n) => n.form === 'integer').length;
  lines.push(`nodes:   ${s.nodesQuantized} read int8 weights (${integer} with integer kernels), ${s.nodesSkipped} skipped`);
  lines.push(...limited(r.weights.kept.map((w) => `  kept ${w.name} [${w.dims.join(', ')}]: ${w.reason}`)));
  lines.push(...r.warnings.map((w) => `note: ${w}`));
  return lines.join('\n');
}
