// Checks a dropped .onnx file and makes its int8 variants with the project's own quantizer, off the main thread
// (a 100 MB model takes seconds to decode and rewrite). Plain postMessage: one request, one answer.
import { inspect, type IoEntry } from '../../src/tools/inspect.js';
import { quantize } from '../../src/tools/quantize/quantize.js';

export interface QuantizeRequest {
  bytes: Uint8Array;
}

export type QuantizeAnswer =
  | {
      ok: true;
      inputs: IoEntry[];
      outputs: IoEntry[];
      variants: { variant: 'int8-dynamic' | 'int8-weights'; data: Uint8Array }[];
      /** Why one or both int8 forms could not be made (the quantizer's own words). */
      quantizeError?: string;
    }
  | { ok: false; code: string; message: string };

const MODES = [['dynamic', 'int8-dynamic'], ['weights', 'int8-weights']] as const;

function answer(bytes: Uint8Array): QuantizeAnswer {
  let io;
  try {
    io = inspect(bytes); // decodeModel inside: anything that is not a whole ONNX model throws here
  } catch (error) {
    return { ok: false, code: 'not-onnx', message: `not an ONNX model: ${(error as Error).message}` };
  }
  const variants: { variant: 'int8-dynamic' | 'int8-weights'; data: Uint8Array }[] = [];
  const problems: string[] = [];
  for (const [mode, variant] of MODES) {
    try {
      const { bytes: data, report } = quantize(bytes, { mode });
      if (report.changed) variants.push({ variant, data });
      else problems.push(`${mode}: ${report.warnings.at(-1) ?? 'nothing was quantized'}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      problems.push(`${mode}: ${code ? `${code}: ` : ''}${(error as Error).message}`);
    }
  }
  const quantizeError = problems.length ? problems.join('; ') : undefined;
  return { ok: true, inputs: io.inputs, outputs: io.outputs, variants, ...(quantizeError ? { quantizeError } : {}) };
}

self.onmessage = (event: MessageEvent<QuantizeRequest>) => {
  const result = answer(event.data.bytes);
  const transfer = result.ok ? result.variants.map((v) => v.data.buffer as ArrayBuffer) : [];
  (self as unknown as Worker).postMessage(result, transfer);
};
