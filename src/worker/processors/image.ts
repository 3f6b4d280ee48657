// The image pre-processor: RGBA pixels → one float input tensor, as an ImagePre spec says. Pure and deterministic
// (no canvas scaling, whose filter differs between browsers): the same pixels give the same tensor on any thread.
import type { ImagePre } from '../../processors/spec.js';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row-major, as in ImageData. */
  data: Uint8ClampedArray | Uint8Array;
}

/**
 * Cuts an image into the runs of columns that hold ink (a pixel whose gray level, after `invert`, is above
 * `threshold`), left to right; runs closer than `minGap` blank columns are one piece. Each piece keeps the full height.
 */
export function splitColumns(image: Pixels, threshold: number, invert: boolean, minGap: number): Pixels[] {
  const { width: w, height: h, data } = image;
  const inked = (x: number) => {
    for (let y = 0; y < h; y++) {
      const i = (y * w + x) * 4;
      const a = data[i + 3]! / 255;
      const v = (0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!) * a;
      if ((invert ? 255 - v : v) > threshold) return true;
    }
    return false;
  };
  const runs: [number, number][] = [];
  for (let x = 0; x < w; x++) {
    if (!inked(x)) continue;
    const last = runs[runs.length - 1];
    if (last && x - last[1] - 1 <= minGap) last[1] = x;
    else runs.push([x, x]);
  }
  return runs.map(([a, b]) => {
    const cw = b - a + 1;
    const crop = new Uint8ClampedArray(cw * h * 4);
    for (let y = 0; y < h; y++) crop.set(data.subarray((y * w + a) * 4, (y * w + b + 1) * 4), y * cw * 4);
    return { width: cw, height: h, data: crop };
  });
}

/** A plane per channel, values 0–255 as floats. */
type Planes = Float32Array[];

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function imageTensor(image: Pixels, pre: ImagePre): { data: Float32Array; dims: number[] } {
  const { width: W, height: H } = pre;
  const planes = read(image, pre.channels === 'rgb', pre.invert === true);
  const { width: w, height: h } = image;
  const fit = pre.fit ?? 'stretch';
  let out: Planes;
  if (fit === 'stretch') out = planes.map((p) => resample(p, w, { x: 0, y: 0, w, h }, W, H));
  else if (fit === 'cover') {
    const s = Math.max(W / w, H / h);
    const rect = { x: (w - W / s) / 2, y: (h - H / s) / 2, w: W / s, h: H / s };
    out = planes.map((p) => resample(p, w, rect, W, H));
  } else if (fit === 'contain') {
    const s = Math.min(W / w, H / h);
    const dw = Math.max(1, Math.round(w * s));
    const dh = Math.max(1, Math.round(h * s));
    out = planes.map((p) => place(resample(p, w, { x: 0, y: 0, w, h }, dw, dh), dw, dh, W, H, Math.floor((W - dw) / 2), Math.floor((H - dh) / 2), pre.pad ?? 0));
  } else out = content(planes, w, h, pre);
  return layout(normalize(out, pre), W, H, pre.layout);
}

function read(image: Pixels, rgb: boolean, invert: boolean): Planes {
  const n = image.width * image.height;
  const planes = Array.from({ length: rgb ? 3 : 1 }, () => new Float32Array(n));
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const a = d[i * 4 + 3]! / 255; // over black
    const r = d[i * 4]! * a, g = d[i * 4 + 1]! * a, b = d[i * 4 + 2]! * a;
    if (rgb) (planes[0]![i] = r), (planes[1]![i] = g), (planes[2]![i] = b);
    else planes[0]![i] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  if (invert) for (const p of planes) for (let i = 0; i < n; i++) p[i] = 255 - p[i]!;
  return planes;
}

/**
 * Resamples `rect` of a plane `stride` wide to dw × dh, one axis at a time: an output pixel whose footprint covers
 * at least one source pixel averages it (fractional edges weighted), a smaller one interpolates bilinearly.
 */
function resample(plane: Float32Array, stride: number, rect: Rect, dw: number, dh: number): Float32Array {
  const height = plane.length / stride;
  const ay = weights(rect.y, rect.h, dh, height);
  const top = Math.min(...ay.map((taps) => taps[0]![0]));
  const rows = Math.max(...ay.map((taps) => taps[taps.length - 1]![0])) - top + 1;
  const across = new Float32Array(rows * dw);
  const ax = weights(rect.x, rect.w, dw, stride);
  for (let r = 0; r < rows; r++) for (let x = 0; x < dw; x++) across[r * dw + x] = apply(ax[x]!, (i) => plane[(top + r) * stride + i]!);
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) out[y * dw + x] = apply(ay[y]!, (i) => across[(i - top) * dw + x]!);
  return out;
}

type Taps = [index: number, weight: number][];

/** Per output pixel along one axis: the source pixels it reads and their weights (summing to 1). */
function weights(start: number, length: number, count: number, size: number): Taps[] {
  const step = length / count;
  const clamp = (i: number) => Math.min(size - 1, Math.max(0, i));
  return Array.from({ length: count }, (_, o) => {
    const a = start + o * step;
    const b = a + step;
    if (step < 1) {
      const c = (a + b) / 2 - 0.5;
      const i = Math.floor(c);
      const f = c - i;
      return [[clamp(i), 1 - f], [clamp(i + 1), f]];
    }
    const taps: Taps = [];
    for (let i = Math.floor(a); i < b; i++) {
      const cover = Math.min(b, i + 1) - Math.max(a, i);
      if (cover > 0) taps.push([clamp(i), cover / step]);
    }
    return taps;
  });
}

function apply(taps: Taps, at: (i: number) => number): number {
  let v = 0;
  for (const [i, w] of taps) v += at(i) * w;
  return v;
}

/** A dw × dh plane put at (x, y) in a W × H one filled with `fill`. */
function place(p: Float32Array, dw: number, dh: number, W: number, H: number, x0: number, y0: number, fill: number): Float32Array {
  const out = new Float32Array(W * H).fill(fill);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const tx = x + x0, ty = y + y0;
      if (tx >= 0 && tx < W && ty >= 0 && ty < H) out[ty * W + tx] = p[y * dw + x]!;
    }
  }
  return out;
}

/** Crop to the ink, scale its longer side to contentSize, centre its centre of mass (first plane's). */
function content(planes: Planes, w: number, h: number, pre: ImagePre): Planes {
  const { width: W, height: H } = pre;
  const ink = planes[0]!;
  const threshold = pre.threshold ?? 20;
  let top = h, left = w, bottom = -1, right = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x]! > threshold) (top = Math.min(top, y)), (bottom = Math.max(bottom, y)), (left = Math.min(left, x)), (right = Math.max(right, x));
    }
  }
  if (bottom < 0) return planes.map(() => new Float32Array(W * H)); // no ink: a blank frame
  const rect = { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
  const s = (pre.contentSize ?? Math.round(0.7 * Math.min(W, H))) / Math.max(rect.w, rect.h);
  const dw = Math.max(1, Math.round(rect.w * s));
  const dh = Math.max(1, Math.round(rect.h * s));
  const small = planes.map((p) => resample(p, w, rect, dw, dh));
  let mass = 0, cx = 0, cy = 0;
  small[0]!.forEach((v, i) => ((mass += v), (cx += v * (i % dw)), (cy += v * Math.floor(i / dw))));
  mass ||= 1;
  const x0 = Math.round(W / 2 - cx / mass), y0 = Math.round(H / 2 - cy / mass);
  return small.map((p) => place(p, dw, dh, W, H, x0, y0, 0));
}

function normalize(planes: Planes, pre: ImagePre): Planes {
  const scale = pre.scale ?? 1 / 255;
  return planes.map((p, c) => {
    const mean = pre.mean?.[c] ?? 0, std = pre.std?.[c] ?? 1;
    return p.map((v) => (v * scale - mean) / std);
  });
}

function layout(planes: Planes, W: number, H: number, kind: ImagePre['layout']): { data: Float32Array; dims: number[] } {
  const c = planes.length;
  const data = new Float32Array(c * W * H);
  if (kind === 'nchw') planes.forEach((p, i) => data.set(p, i * W * H));
  else for (let i = 0; i < W * H; i++) for (let k = 0; k < c; k++) data[i * c + k] = planes[k]![i]!;
  return { data, dims: kind === 'nchw' ? [1, c, H, W] : kind === 'nhwc' ? [1, H, W, c] : [1, W * H * c] };
}
