// Bring your own model: a dropped .onnx file is checked and quantized in a worker (quantize-worker.ts), and an
// optional .npy of sample inputs is read and checked against the model's inputs before anything runs.
import type { IoEntry } from '../../src/tools/inspect.js';
import { parseNpy } from '../../src/monitor/npy.js';
import type { Dtype, Tensor, ValueInfo } from '../../src/index.js';
import { checkGeneratable, checkSamples, type LabError } from './inputs.js';
import type { QuantizeAnswer } from './quantize-worker.js';
import type { LabModelSource } from './types.js';

/** What addModel rejects with: a lab code ('not-onnx', 'npy-invalid', 'npy-mismatch') or an SDK code. */
export class LabFileError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'LabFileError';
  }
}

export interface DroppedModel {
  source: LabModelSource;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** The .npy file the samples came from. */
  npy?: string;
}

function quantizeInWorker(bytes: Uint8Array): Promise<QuantizeAnswer> {
  const worker = new Worker(new URL('./quantize-worker.ts', import.meta.url), { type: 'module', name: 'lab-quantize' });
  return new Promise<QuantizeAnswer>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<QuantizeAnswer>) => resolve(event.data);
    worker.onerror = (event) => reject(new LabFileError('quantize-failed', `the quantize worker failed: ${event.message || 'it could not start'}`));
    worker.postMessage({ bytes }, [bytes.buffer as ArrayBuffer]);
  }).finally(() => worker.terminate());
}

/** Starts the quantize worker once so its modules are fetched (and cached for offline use) before anyone drops a file. */
export function warmQuantizer(): void {
  void quantizeInWorker(new Uint8Array(0)).catch(() => undefined);
}

/** Reads a dropped model (and its optional .npy) into a lab source; rejects with LabFileError for a bad file. */
export async function readDropped(model: File, npy?: File): Promise<DroppedModel> {
  const bytes = new Uint8Array(await model.arrayBuffer());
  const answer = await quantizeInWorker(bytes.slice()); // the copy goes to the worker; the page keeps fp32
  if (!answer.ok) throw new LabFileError(answer.code, `${model.name}: ${answer.message}`);
  const inputs = answer.inputs.map(valueInfo);
  const samples = npy ? await readSamples(npy, inputs) : undefined;
  try {
    checkGeneratable(inputs, samples); // samples cover what cannot be generated; the rest must be makeable
  } catch (error) {
    throw new LabFileError((error as LabError).code, `${model.name}: ${(error as Error).message}`);
  }
  const source: LabModelSource = {
    id: model.name,
    bundled: false,
    variants: [{ variant: 'fp32', bytes: bytes.length, data: bytes }, ...answer.variants.map((v) => ({ variant: v.variant, bytes: v.data.length, data: v.data }))],
    ...(answer.quantizeError ? { quantizeError: answer.quantizeError } : {}),
    ...(samples ? { samples } : {}),
  };
  return { source, inputs, outputs: answer.outputs.map(valueInfo), ...(npy ? { npy: npy.name } : {}) };
}

/**
 * A .npy becomes the samples of the input it is named after (`pixels.npy`), else of the model's first input; the
 * engine's own check (inputs.ts) says whether it fits the signature.
 */
async function readSamples(file: File, inputs: ValueInfo[]): Promise<Record<string, Tensor>> {
  let npy;
  try {
    npy = parseNpy(new Uint8Array(await file.arrayBuffer()));
  } catch (error) {
    throw new LabFileError('npy-invalid', `${file.name}: ${(error as Error).message}`);
  }
  const stem = file.name.replace(/\.npy$/i, '');
  const input = inputs.find((i) => i.name === stem) ?? inputs[0];
  if (!input) throw new LabFileError('npy-mismatch', `${file.name}: the model has no inputs to take samples for`);
  const samples = { [input.name]: { dtype: npy.dtype, dims: npy.dims, data: npy.data } as Tensor };
  try {
    checkSamples(inputs, samples);
  } catch (error) {
    throw new LabFileError((error as LabError).code ?? 'npy-mismatch', `${file.name}: ${(error as Error).message}`);
  }
  return samples;
}

/** inspect() names unnamed free dims '?' and any dtype it meets; the engine's checks take the SDK's ValueInfo. */
function valueInfo(entry: IoEntry): ValueInfo {
  return { name: entry.name, dtype: entry.dtype as Dtype, dims: entry.dims };
}
