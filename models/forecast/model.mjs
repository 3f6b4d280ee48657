// Level-normalized forecaster: y = skip(x) + mlp(x), x = (history - last) / SCALE,
// forecast = last + SCALE * y. The skip path is a ridge-regression fit; the MLP is then
// trained on what the linear path leaves unexplained, jointly fine-tuning both.
import { mulberry32, normalSampler, shuffle } from '../lib/rng.mjs';

export const SCALE = 10;

/** Level-normalized features [n, W] and targets [n, H] as Float64Arrays. */
export function normalize(windows, W, H) {
  const { count, history, target } = windows;
  const x = new Float64Array(count * W);
  const y = new Float64Array(count * H);
  for (let k = 0; k < count; k++) {
    const last = history[k * W + W - 1];
    for (let i = 0; i < W; i++) x[k * W + i] = (history[k * W + i] - last) / SCALE;
    for (let h = 0; h < H; h++) y[k * H + h] = (target[k * H + h] - last) / SCALE;
  }
  return { count, x, y };
}

/** Ridge regression with an unpenalized bias: returns { w [W, H], b [H] }. */
export function ridge({ count, x, y }, W, H, lambda) {
  const d = W + 1;
  const a = Array.from({ length: d }, () => new Float64Array(d));
  const rhs = Array.from({ length: d }, () => new Float64Array(H));
  for (let k = 0; k < count; k++) {
    const row = (i) => (i === W ? 1 : x[k * W + i]);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i][j] += row(i) * row(j);
      for (let h = 0; h < H; h++) rhs[i][h] += row(i) * y[k * H + h];
    }
  }
  for (let i = 0; i < W; i++) a[i][i] += lambda;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    [rhs[c], rhs[p]] = [rhs[p], rhs[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j < d; j++) a[r][j] -= f * a[c][j];
      for (let h = 0; h < H; h++) rhs[r][h] -= f * rhs[c][h];
    }
  }
  const w = new Float64Array(W * H);
  const b = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < W; i++) w[i * H + h] = rhs[i][h] / a[i][i];
    b[h] = rhs[W][h] / a[W][W];
  }
  return { w, b };
}

/** Forward pass on normalized features; returns normalized outputs [n, H]. */
export function forwardNormalized(p, x, n, W, H) {
  const U = p.b1.length;
  const out = new Float64Array(n * H);
  const hid = new Float64Array(U);
  for (let k = 0; k < n; k++) {
    hid.set(p.b1);
    for (let i = 0; i < W; i++) {
      const xi = x[k * W + i];
      for (let u = 0; u < U; u++) hid[u] += xi * p.w1[i * U + u];
    }
    for (let h = 0; h < H; h++) {
      let acc = p.bs[h] + p.b2[h];
      for (let i = 0; i < W; i++) acc += x[k * W + i] * p.ws[i * H + h];
      for (let u = 0; u < U; u++) if (hid[u] > 0) acc += hid[u] * p.w2[u * H + h];
      out[k * H + h] = acc;
    }
  }
  return out;
}

/** Raw-ppm forecasts [n, H] for float32 histories [n, W], mirroring the ONNX graph. */
export function forecast(p, history, n, W, H) {
  const x = new Float64Array(n * W);
  for (let k = 0; k < n; k++) {
    const last = history[k * W + W - 1];
    for (let i = 0; i < W; i++) x[k * W + i] = Math.fround(Math.fround(history[k * W + i] - last) / SCALE);
  }
  const y = forwardNormalized(p, x, n, W, H);
  for (let k = 0; k < n; k++) {
    for (let h = 0; h < H; h++) y[k * H + h] = y[k * H + h] * SCALE + history[k * W + W - 1];
  }
  return y;
}

/** Fits the skip path by ridge, then trains skip + MLP jointly with AdamW on MSE. */
export function trainForecaster(train, W, H, opts) {
  const { hidden: U, lambda, epochs, batch, lr, decay, seed } = opts;
  const uniform = mulberry32(seed);
  const normal = normalSampler(uniform);
  const lin = ridge(train, W, H, lambda);
  const p = {
    ws: Float32Array.from(lin.w),
    bs: Float32Array.from(lin.b),
    w1: Float32Array.from({ length: W * U }, () => normal() * Math.sqrt(2 / W)),
    b1: new Float32Array(U),
    w2: Float32Array.from({ length: U * H }, () => normal() * 0.01),
    b2: new Float32Array(H),
  };
  const keys = Object.keys(p);
  const g = Object.fromEntries(keys.map((k) => [k, new Float64Array(p[k].length)]));
  const m = Object.fromEntries(keys.map((k) => [k, new Float64Array(p[k].length)]));
  const v = Object.fromEntries(keys.map((k) => [k, new Float64Array(p[k].length)]));
  const order = Array.from({ length: train.count }, (_, i) => i);
  const hid = new Float64Array(U);
  const dh = new Float64Array(U);
  const dy = new Float64Array(H);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, uniform);
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(start + batch, order.length);
      for (const k of keys) g[k].fill(0);
      for (let s = start; s < end; s++) {
        const row = order[s];
        const x = train.x.subarray(row * W, row * W + W);
        const pred = forwardNormalized(p, x, 1, W, H);
        for (let h = 0; h < H; h++) dy[h] = (2 * (pred[h] - train.y[row * H + h])) / H;
        hid.set(p.b1);
        for (let i = 0; i < W; i++) for (let u = 0; u < U; u++) hid[u] += x[i] * p.w1[i * U + u];
        for (let h = 0; h < H; h++) {
          g.bs[h] += dy[h];
          g.b2[h] += dy[h];
          for (let i = 0; i < W; i++) g.ws[i * H + h] += x[i] * dy[h];
        }
        for (let u = 0; u < U; u++) {
          dh[u] = 0;
          if (hid[u] <= 0) continue;
          for (let h = 0; h < H; h++) {
            g.w2[u * H + h] += hid[u] * dy[h];
            dh[u] += p.w2[u * H + h] * dy[h];
          }
          g.b1[u] += dh[u];
        }
        for (let i = 0; i < W; i++) for (let u = 0; u < U; u++) g.w1[i * U + u] += x[i] * dh[u];
      }
      step++;
      const scale = 1 / (end - start);
      for (const k of keys) {
        const pk = p[k];
        const wd = k === 'w1' || k === 'w2' ? decay : 0;
        for (let i = 0; i < pk.length; i++) {
          const gi = g[k][i] * scale;
          m[k][i] = 0.9 * m[k][i] + 0.1 * gi;
          v[k][i] = 0.999 * v[k][i] + 0.001 * gi * gi;
          const mh = m[k][i] / (1 - 0.9 ** step);
          const vh = v[k][i] / (1 - 0.999 ** step);
          pk[i] -= lr * (mh / (Math.sqrt(vh) + 1e-8) + wd * pk[i]);
        }
      }
    }
  }
  return p;
}
