// Ways to move the bundled models' held-out data away from what their profiles saw, at a stated strength: what the
// monitor page's "shift the data" control and `npm run bench -- monitor` apply. Each is seeded, so a run repeats.
export { mulberry32 } from '../src/random.js';

export type ShiftModel = 'digits' | 'forecast' | 'vad';

export interface Shift {
  readonly id: string;
  readonly model: ShiftModel;
  readonly label: string;
  /** A weak and a strong setting, in `unit`. */
  readonly strengths: readonly [number, number];
  readonly unit: string;
  /** Changes one row (a model input row) in place. */
  apply?(row: Float32Array, strength: number, random: () => number): void;
  /** Picks the next held-out row, for shifts that change which rows come rather than their values. */
  pick?(labels: ArrayLike<number>, strength: number, random: () => number): number;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Rotates a 28×28 image about its centre (bilinear; outside is background 0). */
function rotate(row: Float32Array, degrees: number): void {
  const source = row.slice();
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x > 27 || y > 27 ? 0 : source[y * 28 + x]!);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = cos * (x - 13.5) + sin * (y - 13.5) + 13.5;
      const sy = -sin * (x - 13.5) + cos * (y - 13.5) + 13.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      row[y * 28 + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
}

export const SHIFTS: readonly Shift[] = [
  {
    id: 'noise', model: 'digits', label: 'Gaussian pixel noise', strengths: [0.1, 0.3], unit: 'σ (pixels in [0, 1])',
    apply: (row, s, random) => row.forEach((v, i) => (row[i] = clamp01(v + s * gaussian(random)))),
  },
  { id: 'rotation', model: 'digits', label: 'Rotation', strengths: [15, 40], unit: 'degrees', apply: (row, s) => rotate(row, s) },
  {
    id: 'inversion', model: 'digits', label: 'Inverted images (white background)', strengths: [0.25, 1], unit: 'share of images',
    apply: (row, s, random) => {
      if (random() < s) row.forEach((v, i) => (row[i] = 1 - v));
    },
  },
  {
    id: 'class-prior', model: 'digits', label: 'Class prior: more of one digit (1)', strengths: [0.3, 0.7], unit: 'share of images that are 1s',
    pick: (labels, s, random) => {
      const want = random() < s;
      for (;;) {
        const i = Math.floor(random() * labels.length);
        if (!want || labels[i] === 1) return i;
      }
    },
  },
  {
    id: 'level', model: 'forecast', label: 'Level shift of the series', strengths: [2, 6], unit: 'ppm added to the history',
    apply: (row, s) => row.forEach((v, i) => (row[i] = v + s)),
  },
  {
    id: 'noise', model: 'vad', label: 'Background noise', strengths: [0.01, 0.05], unit: 'σ (samples in [-1, 1])',
    apply: (row, s, random) => row.forEach((v, i) => (row[i] = v + s * gaussian(random))),
  },
];

export function shiftsFor(model: ShiftModel): Shift[] {
  return SHIFTS.filter((s) => s.model === model);
}
