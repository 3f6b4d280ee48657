// 784-H-10 ReLU MLP trained with mini-batch Adam on sparse (mostly zero) digit images.
import { DIGIT_CLASSES as C, DIGIT_PIXELS as P } from '../lib/data.mjs';
import { mulberry32, normalSampler, randInt, shuffle } from '../lib/rng.mjs';

const SIDE = 28;

/** Non-zero pixels of a sample (bytes) shifted by (dx, dy), as parallel index / value arrays. */
function sparseShifted(pixels, sample, dx, dy, idx, val) {
  let n = 0;
  const base = sample * P;
  for (let r = 0; r < SIDE; r++) {
    const rr = r + dy;
    if (rr < 0 || rr >= SIDE) continue;
    for (let c = 0; c < SIDE; c++) {
      const b = pixels[base + r * SIDE + c];
      const cc = c + dx;
      if (b === 0 || cc < 0 || cc >= SIDE) continue;
      idx[n] = rr * SIDE + cc;
      val[n++] = b / 255;
    }
  }
  return n;
}

/**
 * Trains the MLP. Returns float32 weights laid out as the ONNX initializers:
 * w1 [784, H], b1 [H], w2 [H, 10], b2 [10].
 */
export function trainMlp(pixels, labels, trainIdx, opts) {
  const { hidden: H, epochs, batch, lr, maxShift, seed, log = () => {} } = opts;
  const uniform = mulberry32(seed);
  const normal = normalSampler(uniform);
  const params = {
    w1: Float32Array.from({ length: P * H }, () => normal() * Math.sqrt(2 / P)),
    b1: new Float32Array(H),
    w2: Float32Array.from({ length: H * C }, () => normal() * Math.sqrt(1 / H)),
    b2: new Float32Array(C),
  };
  const names = Object.keys(params);
  const grads = Object.fromEntries(names.map((k) => [k, new Float64Array(params[k].length)]));
  const m = Object.fromEntries(names.map((k) => [k, new Float64Array(params[k].length)]));
  const v = Object.fromEntries(names.map((k) => [k, new Float64Array(params[k].length)]));
  const idx = new Int32Array(P);
  const val = new Float64Array(P);
  const h = new Float64Array(H);
  const dh = new Float64Array(H);
  const z = new Float64Array(C);
  const order = Int32Array.from(trainIdx);
  const { w1, b1, w2, b2 } = params;
  let step = 0;
  const totalSteps = epochs * Math.ceil(order.length / batch);

  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, uniform);
    let loss = 0;
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(start + batch, order.length);
      for (const k of names) grads[k].fill(0);
      for (let s = start; s < end; s++) {
        const sample = order[s];
        const dx = maxShift ? randInt(uniform, 2 * maxShift + 1) - maxShift : 0;
        const dy = maxShift ? randInt(uniform, 2 * maxShift + 1) - maxShift : 0;
        const n = sparseShifted(pixels, sample, dx, dy, idx, val);
        h.set(b1);
        for (let q = 0; q < n; q++) {
          const row = idx[q] * H;
          const x = val[q];
          for (let j = 0; j < H; j++) h[j] += x * w1[row + j];
        }
        z.set(b2);
        for (let j = 0; j < H; j++) {
          if (h[j] < 0) h[j] = 0;
          const hj = h[j];
          if (hj === 0) continue;
          for (let c = 0; c < C; c++) z[c] += hj * w2[j * C + c];
        }
        let zmax = -Infinity;
        for (let c = 0; c < C; c++) zmax = Math.max(zmax, z[c]);
        let sum = 0;
        for (let c = 0; c < C; c++) sum += (z[c] = Math.exp(z[c] - zmax));
        for (let c = 0; c < C; c++) z[c] /= sum;
        loss -= Math.log(z[labels[sample]] + 1e-12);
        z[labels[sample]] -= 1;
        const gw2 = grads.w2;
        for (let c = 0; c < C; c++) grads.b2[c] += z[c];
        for (let j = 0; j < H; j++) {
          const hj = h[j];
          if (hj === 0) {
            dh[j] = 0;
            continue;
          }
          let acc = 0;
          for (let c = 0; c < C; c++) {
            gw2[j * C + c] += hj * z[c];
            acc += w2[j * C + c] * z[c];
          }
          dh[j] = acc;
          grads.b1[j] += acc;
        }
        const gw1 = grads.w1;
        for (let q = 0; q < n; q++) {
          const row = idx[q] * H;
          const x = val[q];
          for (let j = 0; j < H; j++) gw1[row + j] += x * dh[j];
        }
      }
      step++;
      const rate = lr * 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps));
      adam(params, grads, m, v, step, rate, 1 / (end - start));
    }
    if ((epoch + 1) % 6 === 0 || epoch + 1 === epochs) log(`epoch ${epoch + 1}/${epochs} loss ${(loss / order.length).toFixed(4)}`);
  }
  return params;
}

function adam(params, grads, m, v, step, rate, scale) {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** step;
  const c2 = 1 - b2 ** step;
  for (const k of Object.keys(params)) {
    const p = params[k];
    const g = grads[k];
    const mk = m[k];
    const vk = v[k];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * scale;
      mk[i] = b1 * mk[i] + (1 - b1) * gi;
      vk[i] = b2 * vk[i] + (1 - b2) * gi * gi;
      p[i] -= (rate * (mk[i] / c1)) / (Math.sqrt(vk[i] / c2) + 1e-8);
    }
  }
}

/** Forward pass on float32 input rows [n, 784]: returns logits and softmax probabilities. */
export function forwardMlp(params, input, n) {
  const { w1, b1, w2, b2 } = params;
  const H = b1.length;
  const logits = new Float64Array(n * C);
  const probabilities = new Float64Array(n * C);
  const h = new Float64Array(H);
  for (let r = 0; r < n; r++) {
    h.set(b1);
    for (let p = 0; p < P; p++) {
      const x = input[r * P + p];
      if (x === 0) continue;
      for (let j = 0; j < H; j++) h[j] += x * w1[p * H + j];
    }
    for (let c = 0; c < C; c++) {
      let acc = b2[c];
      for (let j = 0; j < H; j++) if (h[j] > 0) acc += h[j] * w2[j * C + c];
      logits[r * C + c] = acc;
    }
    let zmax = -Infinity;
    for (let c = 0; c < C; c++) zmax = Math.max(zmax, logits[r * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[r * C + c] - zmax);
    for (let c = 0; c < C; c++) probabilities[r * C + c] = Math.exp(logits[r * C + c] - zmax) / sum;
  }
  return { logits, probabilities };
}

export function argmax(values, offset, count) {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}
