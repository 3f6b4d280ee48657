// Held-out quality of the bundled models and their sample inputs, for the lab's matrix runner (engine.ts).
// Abort: `signal` is checked before each run; once aborted, evaluateQuality rejects with a DOMException named
// 'AbortError' (the run in flight finishes first: onnxruntime-web cannot cancel one).
import type { Model, Tensor } from '../../src/index.js';
import type { Quality, QualityDetail } from './types.js';
import { checkAbort, digitsData, forecastData, vadData } from './quality-data.js';
import { digitsQuality } from './quality-digits.js';
import { forecastQuality } from './quality-forecast.js';
import { vadQuality } from './quality-vad.js';

export interface QualityRun {
  quality: Quality;
  detail: QualityDetail;
}

/**
 * Held-out quality of a loaded bundled model; `reference` is fp32 on WASM's detail (VAD frame agreement needs it);
 * undefined when the model has no held-out set. For the VAD, an undefined `reference` means this run is the
 * reference: its agreement is 1. Rejects with an 'AbortError' DOMException once `signal` is aborted.
 */
export async function evaluateQuality(id: string, model: Model, reference: QualityDetail | undefined, signal?: AbortSignal): Promise<QualityRun | undefined> {
  checkAbort(signal);
  switch (id) {
    case 'digits':
      return { quality: await digitsQuality(model, signal), detail: { kind: 'accuracy' } };
    case 'forecast':
      return forecastQuality(model, signal);
    case 'vad':
      return vadQuality(model, reference, signal);
    default:
      return undefined;
  }
}

const float32 = (data: Float32Array, dims: number[]): Tensor => ({ dtype: 'float32', dims, data });

/**
 * The bundled model's sample inputs (first axis = samples) and fixed inputs, from its held-out data; undefined for
 * an unknown id. The data is fetched once per page; each call gets its own arrays, so they may be transferred.
 */
export async function bundledSamples(id: string): Promise<{ samples: Record<string, Tensor>; fixed?: Record<string, Tensor> } | undefined> {
  switch (id) {
    case 'digits': {
      const { pixels, n } = await digitsData();
      return { samples: { pixels: float32(pixels.slice(), [n, 784]) } };
    }
    case 'forecast': {
      const { histories, n, window } = await forecastData();
      return { samples: { history: float32(histories.slice(), [n, window]) } };
    }
    case 'vad': {
      const { inputs, frames, width } = await vadData();
      return {
        samples: { input: float32(inputs.slice(), [frames, width]) },
        fixed: { state: float32(new Float32Array(2 * 128), [2, 1, 128]), sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) } },
      };
    }
    default:
      return undefined;
  }
}
