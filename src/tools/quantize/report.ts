// The machine-readable account of a quantize run: sizes, and which nodes and weights changed or not, and why.
import { nodeLabel, type Use } from '../onnx/graph.js';
import { elementCount } from '../onnx/tensors.js';
import type { ResolvedQuantizeOptions } from './options.js';
import type { Form, Plan } from './plan.js';

export interface NodeEntry {
  name: string;
  op: string;
  graph: string;
  weight: string;
  /** How the node reads the int8 weight (quantized nodes). */
  form?: Form;
  /** Why its weight stayed float32 (skipped nodes). */
  reason?: string;
}

export interface WeightEntry {
  name: string;
  graph: string;
  source: 'initializer' | 'constant';
  dims: number[];
  /** `per-tensor` or `per-channel (axis N)` (quantized weights). */
  scale?: string;
  /** RMS error of the dequantized weight relative to the weight's RMS (quantized weights). */
  relativeError?: number;
  reason?: string;
}

export interface QuantizeSummary {
  nodesQuantized: number;
  nodesSkipped: number;
  weightsQuantized: number;
  weightsKept: number;
}

export interface QuantizeReport {
  mode: ResolvedQuantizeOptions['mode'];
  perChannel: ResolvedQuantizeOptions['perChannel'];
  minElements: number;
  exclude: readonly string[];
  expand: ResolvedQuantizeOptions['expand'];
  compactNames: boolean;
  opset: number;
  /** False when nothing qualified: the model is returned as it came. */
  changed: boolean;
  bytes: { before: number; after: number };
  /** float32 bytes of the quantized weights, and what replaced them (int8 values + scales). */
  weightBytes: { before: number; after: number };
  summary: QuantizeSummary;
  nodes: { quantized: NodeEntry[]; skipped: NodeEntry[] };
  weights: { quantized: WeightEntry[]; kept: WeightEntry[] };
  warnings: string[];
}

export function buildReport(
  plan: Plan, options: ResolvedQuantizeOptions, opset: number, bytes: { before: number; after: number }, warnings: string[],
  isWeightInput: (use: Use, rank: number) => boolean,
): QuantizeReport {
  const label = (use: Use) => (use.node ? nodeLabel(use.node, use.scope.graph.node.indexOf(use.node)) : '');
  const quantizedNodes: NodeEntry[] = plan.quantized.flatMap((w) =>
    w.uses.filter((u) => u.use.node).map((u) => ({
      name: label(u.use), op: u.use.node?.opType ?? '', graph: u.use.scope.path, weight: w.def.name, form: u.form,
    })));
  const skippedNodes: NodeEntry[] = plan.kept.flatMap((w) =>
    w.def.uses.filter((use) => use.node && isWeightInput(use, w.dims.length)).map((use) => ({
      name: label(use), op: use.node?.opType ?? '', graph: use.scope.path, weight: w.def.name, reason: w.reason,
    })));
  const weightBefore = plan.quantized.reduce((n, w) => n + elementCount(w.dims) * 4, 0);
  const weightAfter = plan.quantized.reduce((n, w) => n + w.int8.values.length + w.int8.scales.length * 4, 0);
  const unique = (entries: NodeEntry[]) => new Set(entries.map((e) => `${e.graph}|${e.name}`)).size;
  return {
    mode: options.mode,
    perChannel: options.perChannel,
    minElements: options.minElements,
    exclude: options.exclude,
    expand: options.expand,
    compactNames: options.compactNames,
    opset,
    changed: plan.quantized.length > 0,
    bytes,
    weightBytes: { before: weightBefore, after: weightAfter },
    summary: {
      nodesQuantized: unique(quantizedNodes),
      nodesSkipped: unique(skippedNodes),
      weightsQuantized: plan.quantized.length,
      weightsKept: plan.kept.length,
    },
    nodes: { quantized: quantizedNodes, skipped: skippedNodes },
    weights: {
      quantized: plan.quantized.map((w) => ({
        name: w.def.name,
        graph: w.def.scope.path,
        source: w.def.source,
        dims: w.dims,
        scale: w.int8.axis === undefined ? 'per-tensor' : `per-channel (axis ${w.int8.axis})`,
        relativeError: Number(w.int8.relativeError.toPrecision(4)),
      })),
      kept: plan.kept.map((w) => ({ name: w.def.name, graph: w.def.scope.path, source: w.def.source, dims: w.dims, reason: w.reason })),
    },
    warnings,
  };
}
