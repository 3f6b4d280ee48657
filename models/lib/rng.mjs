// Small seeded PRNG helpers so every build produces the same splits and weights.

/** mulberry32: returns a function yielding uniform floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) drawn from a uniform source. */
export function normalSampler(uniform) {
  let spare = null;
  return function normal() {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** In-place Fisher-Yates shuffle. */
export function shuffle(array, uniform) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** Integer in [0, n). */
export function randInt(uniform, n) {
  return Math.floor(uniform() * n);
}
