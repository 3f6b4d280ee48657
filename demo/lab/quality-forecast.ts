// Held-out MAE of the CO2 forecaster at 12, 24, 36 and 60 months. Longer horizons feed the forecast back: the 12
// predicted months are appended to the history and its oldest 12 dropped, then the model runs again.
import type { Model } from '../../src/index.js';
import type { Quality, QualityDetail } from './types.js';
import { checkAbort, forecastData } from './quality-data.js';

export const HORIZONS = [12, 24, 36, 60] as const;

export async function forecastQuality(model: Model, signal?: AbortSignal): Promise<{ quality: Extract<Quality, { kind: 'mae' }>; detail: QualityDetail }> {
  const { histories, n, window, horizon, series } = await forecastData();
  const longest = HORIZONS[HORIZONS.length - 1]!;
  const steps = Math.ceil(longest / horizon);
  // predicted[k * steps * horizon + m]: month m + 1 after window k's history.
  const predicted = new Float32Array(n * steps * horizon);
  let history = histories.slice();
  for (let step = 0; step < steps; step++) {
    checkAbort(signal);
    // Every window in one run per step (window 0's long forecast is the chart's, the others score the horizons).
    const { outputs } = await model.run({ history: { data: history, dims: [n, window] } }, { cache: false });
    const y = (outputs.forecast ?? Object.values(outputs)[0])!.data as Float32Array;
    if (y.length !== n * horizon) throw new Error(`forecast: expected ${n * horizon} values from ${n} windows, got ${y.length}`);
    const next = new Float32Array(n * window);
    for (let k = 0; k < n; k++) {
      predicted.set(y.subarray(k * horizon, (k + 1) * horizon), k * steps * horizon + step * horizon);
      next.set(history.subarray(k * window + horizon, (k + 1) * window), k * window);
      next.set(y.subarray(k * horizon, (k + 1) * horizon), k * window + window - horizon);
    }
    history = next;
  }
  const horizons: { months: number; mae: number; windows: number }[] = [];
  for (const months of HORIZONS) {
    // Windows with `months` of actuals after their history: k + window + months <= series.length.
    const windows = Math.min(n, series.length - window - months + 1);
    if (windows < 1) continue;
    let sum = 0;
    for (let k = 0; k < windows; k++) {
      for (let m = 0; m < months; m++) sum += Math.abs(predicted[k * steps * horizon + m]! - series[k + window + m]!);
    }
    horizons.push({ months, mae: sum / (windows * months), windows });
  }
  const values = Array.from(predicted.subarray(0, longest));
  return { quality: { kind: 'mae', horizons }, detail: { kind: 'mae', actual: Array.from(series), forecast: { start: window, values } } };
}
