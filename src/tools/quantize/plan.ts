// Decides, for every float32 constant, whether it becomes int8 and in which form each of its uses reads it.
import { EdgeInferError } from '../../errors.js';
import { nodeLabel, type ConstantDef, type ModelIndex, type Use } from '../onnx/graph.js';
import { intAttr } from '../onnx/build.js';
import { dimsOf, elementCount, isExternal, readFloat32 } from '../onnx/tensors.js';
import { allFinite, quantizeInt8, type Int8Weights } from './int8.js';
import type { ResolvedQuantizeOptions } from './options.js';

/** `integer`: the consumer is rewritten to an integer kernel; `dequantize`: it reads a DequantizeLinear output. */
export type Form = 'integer' | 'dequantize';

export interface UsePlan {
  use: Use;
  form: Form;
}

export interface QuantizedWeight {
  def: ConstantDef;
  dims: number[];
  int8: Int8Weights;
  uses: UsePlan[];
}

export interface KeptWeight {
  def: ConstantDef;
  dims: number[];
  reason: string;
  /** Read by a node at a weight input (MatMul B, Conv W...), so its node counts as skipped. */
  atWeightInput: boolean;
}

export interface Plan {
  quantized: QuantizedWeight[];
  kept: KeptWeight[];
}

type Rule =
  | { ok: true; axis: number | 'any'; integer: boolean; weightInput: boolean }
  | { ok: false; reason: string; weightInput: boolean };

// Ops that only move or reshape data: a dequantized weight flows through them unchanged (Silero's LSTM weights
// pass through Slice and Concat, for example).
const DATA_MOVEMENT = new Set(['Slice', 'Split', 'Reshape', 'Transpose', 'Unsqueeze', 'Squeeze', 'Identity', 'Flatten', 'Concat']);

/** What a use allows: float consumers (biases, norms, elementwise ops) keep the tensor float32. */
function ruleFor(use: Use, rank: number, dynamic: boolean): Rule {
  const { node, input } = use;
  if (!node) return { ok: false, reason: 'it is a graph output', weightInput: false };
  if (node.domain && node.domain !== 'ai.onnx') return { ok: false, reason: `used by ${node.opType} (${node.domain})`, weightInput: false };
  const op = node.opType;
  const weight = (axis: number | 'any', integer = false): Rule => ({ ok: true, axis, integer: dynamic && integer, weightInput: true });
  if (op === 'MatMul' && input === 1) return weight(rank - 1, rank === 2);
  if (op === 'MatMul' && input === 0) return weight(rank - 2);
  if (op === 'Gemm' && input === 1) return weight(intAttr(node, 'transB', 0) ? 0 : 1, intAttr(node, 'transA', 0) === 0);
  if (op === 'Gemm' && input === 0) return weight(intAttr(node, 'transA', 0) ? 1 : 0);
  if (op === 'Conv' && input === 1) return weight(0, rank >= 3);
  if (op === 'ConvTranspose' && input === 1) return weight(intAttr(node, 'group', 1) === 1 ? 1 : 'any');
  if ((op === 'LSTM' || op === 'GRU' || op === 'RNN') && (input === 1 || input === 2)) return weight(1);
  if (op === 'Gather' && input === 0) return weight(0);
  if (DATA_MOVEMENT.has(op) && (input === 0 || op === 'Concat')) return { ok: true, axis: 'any', integer: false, weightInput: false };
  const what = ['Add', 'Mul', 'Sub', 'Div'].includes(op) ? 'elementwise' : /Norm/.test(op) ? 'normalization' : 'float';
  return { ok: false, reason: `${op} ${nodeName(use)} reads it at input ${input} (${what} use)`, weightInput: false };
}

function nodeName(use: Use): string {
  return use.node ? `"${nodeLabel(use.node, use.scope.graph.node.indexOf(use.node))}"` : '';
}

export function planWeights(index: ModelIndex, options: ResolvedQuantizeOptions, opset: number): Plan {
  const plan: Plan = { quantized: [], kept: [] };
  const excluded = new Set(options.exclude);
  const dynamic = options.mode === 'dynamic';
  for (const def of index.constants) {
    const dims = dimsOf(def.tensor);
    const rules = def.uses.map((use) => ruleFor(use, dims.length, dynamic));
    const atWeightInput = rules.some((r) => r.weightInput);
    const keep = (reason: string) => void plan.kept.push({ def, dims, reason, atWeightInput });
    const elements = elementCount(dims);
    if (!atWeightInput && elements < options.minElements) continue; // small non-weight constants are not reported
    if (isExternal(def.tensor)) {
      throw new EdgeInferError('quantize-unsupported', `tensor "${def.name}" keeps its values in an external file; only single-file models are supported`);
    }
    const blocked = rules.find((r): r is Extract<Rule, { ok: false }> => !r.ok);
    const excludedBy = def.uses.find((u) => u.node && excluded.has(u.node.name));
    if (def.overridable) keep('it is also a graph input, so callers may override it');
    else if (def.uses.length === 0) keep('it is not used');
    else if (excludedBy) keep(`node "${excludedBy.node?.name}" is excluded`);
    else if (elements < options.minElements) keep(`${elements} elements, fewer than min-elements ${options.minElements}`);
    else if (dims.length < 2) keep('1-D tensor (bias or scale)');
    else if (blocked) keep(blocked.reason);
    else {
      const values = readFloat32(def.tensor);
      if (!allFinite(values)) keep('it holds NaN or infinite values');
      else plan.quantized.push(quantizeWeight(def, dims, values, rules as Extract<Rule, { ok: true }>[], options, opset));
    }
  }
  return plan;
}

function quantizeWeight(
  def: ConstantDef, dims: number[], values: Float32Array, rules: Extract<Rule, { ok: true }>[], options: ResolvedQuantizeOptions, opset: number,
): QuantizedWeight {
  const uses = def.uses.map((use, i): UsePlan => ({ use, form: rules[i]?.integer ? 'integer' : 'dequantize' }));
  const axes = new Set(rules.map((r) => r.axis).filter((a) => a !== 'any'));
  const axis = axes.size === 0 ? 0 : axes.size === 1 ? ([...axes][0] as number) : undefined;
  // DequantizeLinear takes a per-axis scale from opset 13; the other forms apply scales with Mul at any opset.
  const perAxisOk = axis !== undefined && (opset >= 13 || options.expand === 'load' || uses.every((u) => u.form === 'integer'));
  const perTensor = quantizeInt8(values, dims, undefined);
  let int8 = perTensor;
  if (perAxisOk && options.perChannel !== false) {
    const perChannel = quantizeInt8(values, dims, axis);
    if (options.perChannel === true || perChannel.relativeError <= 0.9 * perTensor.relativeError) int8 = perChannel;
  }
  return { def, dims, int8, uses };
}

/** True when the use reads the tensor as a weight (MatMul B, Conv W, LSTM W/R...), as opposed to a bias or data. */
export function isWeightInput(use: Use, rank: number): boolean {
  return ruleFor(use, rank, false).weightInput;
}
