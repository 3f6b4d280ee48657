// Human-readable forms of the CLI's reports (the --json forms are the reports themselves).
import type { DriftReport } from './drift-report.js';
import type { InspectReport, IoEntry } from './inspect.js';
import type { ProfileResult } from './profile.js';
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

/** What `edge-infer profile` prints (as JSON with --json). */
export interface ProfileSummary {
  model: string;
  output: string;
  sha256: string | undefined;
  rows: number;
  runs: number;
  seconds: number;
  features: { name: string; kind: 'input' | 'output'; tensor: string; bins: number }[];
  /** Per window size: the lowest, median and highest feature threshold. */
  windows: { size: number; thresholds: { min: number; median: number; max: number } }[];
}

export function profileSummary(model: string, output: string, r: ProfileResult): ProfileSummary {
  const p = r.profile;
  return {
    model, output, sha256: p.model.sha256, rows: r.rows, runs: r.runs, seconds: Number(r.seconds.toFixed(3)),
    features: p.features.map((f) => ({ name: f.name, kind: f.kind, tensor: f.tensor, bins: f.reference.length })),
    windows: p.windows.map((w) => {
      const sorted = [...w.thresholds].sort((a, b) => a - b);
      return { size: w.size, thresholds: { min: sorted[0] as number, median: sorted[Math.floor(sorted.length / 2)] as number, max: sorted[sorted.length - 1] as number } };
    }),
  };
}

const psiText = (v: number) => v.toFixed(v < 0.01 ? 4 : 3);

export function formatProfile(s: ProfileSummary): string {
  const tensors = new Map<string, string[]>();
  for (const f of s.features) {
    const key = `${f.kind} ${f.tensor}`;
    tensors.set(key, [...(tensors.get(key) ?? []), f.name]);
  }
  const shortList = (names: string[]) => (names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')} ... ${names[names.length - 1]}`);
  return [
    `${s.model}: ${count(s.rows)} reference rows in ${count(s.runs)} run(s), ${s.seconds.toFixed(1)} s`,
    `wrote ${s.output}: ${s.features.length} features`,
    ...[...tensors].map(([tensor, names]) => `  ${tensor}: ${shortList(names)}`),
    'drift thresholds (PSI over a window; lowest / median / highest feature):',
    ...s.windows.map((w) => `  ${String(w.size).padStart(6)} rows: ${psiText(w.thresholds.min)} / ${psiText(w.thresholds.median)} / ${psiText(w.thresholds.max)}`),
  ].join('\n');
}

export function formatDriftReport(path: string, r: DriftReport): string {
  const rows = r.features.map((f) => [f.name, count(f.rows), f.psi === null ? '-' : psiText(f.psi), f.threshold === null ? '-' : psiText(f.threshold),
    f.psi === null ? '-' : f.drift ? 'yes' : 'no', count(f.alerts)]);
  const header = ['feature', 'rows', 'PSI', 'threshold', 'drift', 'alerts'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  const drifted = r.features.filter((f) => f.drift).length;
  const skipped = [
    r.mismatched ? `${count(r.mismatched)} with bounds unlike the profile's bins` : '',
    r.unknownFeatures ? `${count(r.unknownFeatures)} for features the profile does not have` : '',
    r.skipped ? `${count(r.skipped)} cumulative or malformed` : '',
  ].filter(Boolean);
  return [
    `${path}: ${count(r.requests)} metrics request(s) from ${count(r.devices)} device(s)${r.model === null ? '' : ` for model ${r.model}`}` +
      (r.badLines ? `; ${count(r.badLines)} line(s) were not JSON` : ''),
    ...(r.model === null && r.models.length > 1 ? [`note: data from models ${r.models.join(', ')}; pick one with --model`] : []),
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `${drifted} of ${r.features.length} features drifted; devices raised ${count(r.alerts)} alert(s) (${count(r.devicesAlerting)} device(s))`,
    ...(skipped.length ? [`skipped data points: ${skipped.join('; ')}`] : []),
  ].join('\n');
}
