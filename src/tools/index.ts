// Node-side tools: quantize and inspect ONNX models. The browser entry (src/index.ts) never imports this.
export { quantize, MAX_OPSET, minOpset, type QuantizeResult } from './quantize/quantize.js';
export { EXPAND_AT, QUANTIZE_DEFAULTS, QUANTIZE_MODES, type ExpandAt, type QuantizeMode, type QuantizeOptions } from './quantize/options.js';
export type { NodeEntry, QuantizeReport, QuantizeSummary, WeightEntry } from './quantize/report.js';
export { inspect, type InspectReport, type IoEntry, type TensorEntry, type Tally } from './inspect.js';
export { verifyLoads } from './verify.js';
export { runCli, EXIT, type CliIo } from './cli.js';
