// quantize(): float32 ONNX model bytes in, int8 model bytes and a report out. Graph inputs and outputs never change.
import { EdgeInferError } from '../../errors.js';
import { compactNames } from '../onnx/compact-names.js';
import { indexModel, type ModelIndex } from '../onnx/graph.js';
import { create, decodeModel, defaultOpset, encodeModel, encodeValueInfo, type ModelProto } from '../onnx/proto.js';
import { resolveQuantizeOptions, type ExpandAt, type QuantizeMode, type QuantizeOptions } from './options.js';
import { isWeightInput, planWeights } from './plan.js';
import { buildReport, type QuantizeReport } from './report.js';
import { applyPlan } from './rewrite.js';

/** DynamicQuantizeLinear arrived in opset 11, DequantizeLinear in 10; Cast + broadcasting Mul work from 7. */
export function minOpset(mode: QuantizeMode, expand: ExpandAt): number {
  return mode === 'dynamic' ? 11 : expand === 'run' ? 10 : 7;
}
/** The newest default-domain opset the rewrite is tested against; later opsets may change the ops it emits. */
export const MAX_OPSET = 23;

export interface QuantizeResult {
  /** The int8 model; the input bytes themselves when `report.changed` is false. */
  bytes: Uint8Array;
  report: QuantizeReport;
}

export function quantize(input: Uint8Array, options?: QuantizeOptions): QuantizeResult {
  const resolved = resolveQuantizeOptions(options);
  const { model, unknownFields } = decodeModel(input);
  const opset = checkOpset(model, resolved.mode, resolved.expand);
  const index = indexModel(model);
  checkExclude(index, resolved.exclude);
  const warnings: string[] = [];
  if (unknownFields > 0) {
    warnings.push(`${unknownFields} protobuf field(s) the ONNX schema (IR version 14) does not define are copied to the output as they came, unexamined`);
  }
  if (model.functions.length > 0) warnings.push(`weights inside the model's ${model.functions.length} local function(s) are not quantized`);

  const plan = planWeights(index, resolved, opset);
  if (plan.quantized.length === 0) {
    warnings.push('nothing to quantize: no float32 weight qualified, so the model is unchanged');
    const sizes = { before: input.length, after: input.length };
    return { bytes: input, report: buildReport(plan, resolved, opset, sizes, warnings, isWeightInput) };
  }
  const signature = signatureBytes(model);
  applyPlan(index, plan, resolved.expand);
  if (resolved.compactNames) compactNames(model);
  model.metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== 'edge-infer.quantize'),
    create.entry({ key: 'edge-infer.quantize', value: `mode=${resolved.mode}` }),
  ];
  // Repeated numbers all packed, as the quantizer has always written them (the bundled int8 files depend on it).
  const bytes = encodeModel(model, { packing: 'packed' });
  if (signatureBytes(model) !== signature) {
    throw new EdgeInferError('quantize-failed', 'the quantized graph changed the model inputs or outputs; no output was produced');
  }
  return { bytes, report: buildReport(plan, resolved, opset, { before: input.length, after: bytes.length }, warnings, isWeightInput) };
}

function checkOpset(model: ModelProto, mode: QuantizeMode, expand: ExpandAt): number {
  const opset = defaultOpset(model);
  if (opset === undefined) {
    throw new EdgeInferError('quantize-unsupported', 'the model imports no default (ai.onnx) operator set; there is nothing this tool can rewrite');
  }
  const min = minOpset(mode, expand);
  if (opset < min || opset > MAX_OPSET) {
    const hint = mode === 'dynamic' && opset >= 7 && opset < min ? ' (--mode weights works from opset 7)' : '';
    throw new EdgeInferError('quantize-unsupported', `opset ${opset} is not supported for ${mode} quantization: expected ${min} to ${MAX_OPSET}${hint}`,
      { opset, mode });
  }
  return opset;
}

function checkExclude(index: ModelIndex, exclude: readonly string[]): void {
  if (exclude.length === 0) return;
  const known = new Set(index.scopes.flatMap((s) => s.graph.node.map((n) => n.name)));
  const unknown = exclude.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new EdgeInferError('options-invalid', `exclude names node(s) the model does not have: ${unknown.map((n) => `"${n}"`).join(', ')}`, { unknown });
  }
}

function signatureBytes(model: ModelProto): string {
  const encode = (values: ModelProto['graph']['input']) => values.map((v) => encodeValueInfo(v).join(','));
  return JSON.stringify([encode(model.graph.input), encode(model.graph.output)]);
}
