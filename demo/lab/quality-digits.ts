// Held-out accuracy of the digits classifier: 2,000 test digits in batches of 64, with the confusion matrix.
import type { Model } from '../../src/index.js';
import type { Quality } from './types.js';
import { checkAbort, digitsData } from './quality-data.js';

const BATCH = 64;

export async function digitsQuality(model: Model, signal?: AbortSignal): Promise<Extract<Quality, { kind: 'accuracy' }>> {
  const { pixels, labels, n } = await digitsData();
  const classes = 10;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let start = 0; start < n; start += BATCH) {
    checkAbort(signal);
    const rows = Math.min(BATCH, n - start);
    // slice, not subarray: posting a view to the worker would copy the whole 6 MB buffer behind it.
    const data = pixels.slice(start * 784, (start + rows) * 784);
    const { outputs } = await model.run({ pixels: { data, dims: [rows, 784] } }, { cache: false });
    const p = (outputs.probabilities ?? Object.values(outputs)[0])!.data as Float32Array;
    const width = p.length / rows;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < width; c++) if (p[r * width + c]! > p[r * width + best]!) best = c;
      const truth = labels[start + r]!;
      if (best === truth) correct++;
      if (truth < classes && best < classes) confusion[truth]![best]!++;
    }
  }
  return { kind: 'accuracy', accuracy: correct / n, samples: n, confusion };
}
