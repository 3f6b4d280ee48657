import { describe, expect, test } from 'vitest';
import { imageTensor, splitColumns, type Pixels } from '../../../src/worker/processors/image.js';
import { postProcess } from '../../../src/worker/processors/post.js';
import { checkProcessors, type ImagePre } from '../../../src/processors/spec.js';
import { parseManifest } from '../../../src/store/manifest.js';
import { codeOf } from '../code-of.js';
import manifest from '../../../models/manifest.json';

/** A w × h image whose pixel (x, y) is gray `at(x, y)`, opaque. */
const gray = (w: number, h: number, at: (x: number, y: number) => number): Pixels => {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([at(x, y), at(x, y), at(x, y), 255], (y * w + x) * 4);
  return { width: w, height: h, data };
};
const pre = (p: Partial<ImagePre>): ImagePre => ({ type: 'image', input: 'x', width: 2, height: 2, channels: 'gray', layout: 'flat', scale: 1, ...p });
const values = (t: { data: Float32Array }) => Array.from(t.data, (v) => Math.round(v * 1000) / 1000);

describe('imageTensor', () => {
  test('stretch to the same size keeps the pixels; scale 1/255 by default', () => {
    const img = gray(2, 2, (x, y) => [10, 20, 30, 40][y * 2 + x]!);
    expect(values(imageTensor(img, pre({})))).toEqual([10, 20, 30, 40]);
    expect(imageTensor(img, pre({ scale: undefined })).data[3]).toBeCloseTo(40 / 255, 6);
  });

  test('downscaling averages each output pixel footprint (area filter), also for a fractional ratio', () => {
    const img = gray(4, 4, (x, y) => (x < 2 ? 0 : 100) + (y < 2 ? 0 : 40));
    expect(values(imageTensor(img, pre({})))).toEqual([0, 100, 40, 140]);
    const three = gray(3, 1, (x) => [0, 90, 180][x]!);
    // 3 → 2: each output covers 1.5 source pixels.
    expect(values(imageTensor(three, pre({ width: 2, height: 1 })))).toEqual([30, 150]);
  });

  test('upscaling interpolates bilinearly', () => {
    const img = gray(2, 1, (x) => [0, 100][x]!);
    expect(values(imageTensor(img, pre({ width: 4, height: 1 })))).toEqual([0, 25, 75, 100]);
  });

  test('luma of RGB, composited over black; invert; RGB planes in each layout', () => {
    const rgba = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
    expect(values(imageTensor(rgba, pre({ width: 1, height: 1 })))).toEqual([76.245]);
    const half = { width: 1, height: 1, data: new Uint8ClampedArray([200, 200, 200, 128]) };
    expect(imageTensor(half, pre({ width: 1, height: 1 })).data[0]).toBeCloseTo(200 * (128 / 255), 3);
    expect(values(imageTensor(gray(1, 1, () => 55), pre({ width: 1, height: 1, invert: true })))).toEqual([200]);
    const two = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]) };
    const rgb = (layout: ImagePre['layout']) => imageTensor(two, pre({ width: 2, height: 1, channels: 'rgb', layout }));
    expect(values(rgb('nhwc'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rgb('nhwc').dims).toEqual([1, 1, 2, 3]);
    expect(values(rgb('nchw'))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(rgb('nchw').dims).toEqual([1, 3, 1, 2]);
    expect(rgb('flat').dims).toEqual([1, 6]);
  });

  test('mean and std per channel', () => {
    const p = pre({ width: 1, height: 1, channels: 'rgb', scale: 1 / 255, mean: [0.5, 0, 0], std: [0.5, 1, 2] });
    const t = imageTensor({ width: 1, height: 1, data: new Uint8ClampedArray([255, 255, 255, 255]) }, p);
    expect(Array.from(t.data)).toEqual([1, 1, 0.5]);
  });

  test('contain letterboxes with the pad value; cover crops the centre', () => {
    const wide = gray(4, 2, () => 100);
    expect(values(imageTensor(wide, pre({ width: 4, height: 4, fit: 'contain', pad: 7 })))).toEqual([7, 7, 7, 7, 100, 100, 100, 100, 100, 100, 100, 100, 7, 7, 7, 7]);
    const bands = gray(4, 2, (x) => [0, 50, 150, 255][x]!);
    expect(values(imageTensor(bands, pre({ width: 2, height: 2, fit: 'cover' })))).toEqual([50, 150, 50, 150]);
  });

  test('content: the ink is cropped, scaled to contentSize and centred by mass, wherever it was drawn', () => {
    const at = (ox: number, oy: number) => gray(100, 100, (x, y) => (x >= ox && x < ox + 40 && y >= oy && y < oy + 40 ? 255 : 0));
    const p = pre({ width: 28, height: 28, fit: 'content', contentSize: 20, scale: 1 / 255 });
    const a = imageTensor(at(5, 10), p);
    const b = imageTensor(at(50, 45), p);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const ink = Array.from(a.data).map((v, i) => (v > 0.5 ? i : -1)).filter((i) => i >= 0);
    const xs = ink.map((i) => i % 28), ys = ink.map((i) => Math.floor(i / 28));
    expect([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]).toEqual([5, 24, 5, 24]); // 20 px, its centre of mass (9.5) moved to 14 as MNIST did: round(4.5)
    expect(Array.from(imageTensor(gray(10, 10, () => 0), p).data).every((v) => v === 0)).toBe(true); // no ink: blank
  });
});

describe('splitColumns', () => {
  // Ink in columns 1–2, 4 and 9: a gap of one blank column joins, a gap of four splits.
  const img = gray(12, 3, (x, y) => ([1, 2, 4, 9].includes(x) && y === 1 ? 200 : 0));
  test('cuts at gaps wider than minGap and keeps the full height', () => {
    expect(splitColumns(img, 20, false, 2).map((p) => [p.width, p.height])).toEqual([[4, 3], [1, 3]]);
    expect(splitColumns(img, 20, false, 0).map((p) => p.width)).toEqual([2, 1, 1]);
    const [first] = splitColumns(img, 20, false, 2);
    expect(Array.from(first!.data.subarray(4 * 4, 4 * 4 + 4))).toEqual([200, 200, 200, 255]); // (0, 1) of the piece is column 1
  });
  test('inverted pages and blank images', () => {
    expect(splitColumns(gray(5, 2, (x) => (x === 2 ? 0 : 255)), 20, true, 2).map((p) => p.width)).toEqual([1]);
    expect(splitColumns(gray(5, 2, () => 0), 20, false, 2)).toEqual([]);
  });
});

describe('postProcess', () => {
  const out = (data: number[], dims = [1, data.length]) => ({ y: { dtype: 'float32' as const, dims, data: Float32Array.from(data) } });
  test('classes: top k by score with labels, ties by index', () => {
    expect(postProcess(out([0.1, 0.6, 0.3]), { type: 'classes', output: 'y', labels: ['a', 'b', 'c'], topK: 2 })).toEqual({
      type: 'classes', label: 'b', index: 1, score: expect.closeTo(0.6, 6),
      topK: [{ label: 'b', index: 1, score: expect.closeTo(0.6, 6) }, { label: 'c', index: 2, score: expect.closeTo(0.3, 6) }],
    });
  });
  test('softmax and sigmoid; a single score is a binary class by threshold', () => {
    const soft = postProcess(out([0, Math.log(3)]), { type: 'classes', output: 'y', activation: 'softmax' });
    expect(soft).toMatchObject({ label: '1', score: expect.closeTo(0.75, 6) });
    expect(postProcess(out([0]), { type: 'classes', output: 'y', activation: 'sigmoid', labels: ['silence', 'speech'], threshold: 0.6 })).toMatchObject({ label: 'silence', index: 0, score: 0.5 });
    expect(postProcess(out([0.7]), { type: 'classes', output: 'y', labels: ['silence', 'speech'] })).toMatchObject({ label: 'speech', index: 1 });
  });
  test('values: scale and offset; no post: the raw outputs of row 0 and beyond', () => {
    expect(postProcess(out([1, 2]), { type: 'values', output: 'y', scale: 10, offset: 300 })).toEqual({ type: 'values', values: [310, 320] });
    expect(postProcess(out([1, 2]), undefined)).toEqual({ type: 'raw', outputs: { y: { dims: [1, 2], data: [1, 2] } } });
  });
});

describe('processors in the manifest', () => {
  const url = 'https://app.example/models/manifest.json';
  const digits = manifest.models.find((m) => m.id === 'digits')!;
  test('the bundled digits entry carries valid processors', () => {
    expect(parseManifest(manifest, url).models.find((m) => m.id === 'digits')!.pre).toMatchObject({ type: 'image', input: 'pixels', fit: 'content' });
  });
  test.each<[string, Record<string, unknown>, string]>([
    ['an unknown pre type', { pre: { ...digits.pre, type: 'video' } }, 'models[0].pre.type'],
    ['an audio pre without a sample rate', { pre: { type: 'audio', input: 'x', frame: 512 } }, 'models[0].pre.sampleRate'],
    ['a zero width', { pre: { ...digits.pre, width: 0 } }, 'models[0].pre.width'],
    ['a bad layout', { pre: { ...digits.pre, layout: 'chw' } }, 'models[0].pre.layout'],
    ['a std of 0', { pre: { ...digits.pre, std: [0] } }, 'models[0].pre.std'],
    ['mean for 3 channels on gray', { pre: { ...digits.pre, mean: [0, 0, 0] } }, 'models[0].pre.mean'],
    ['contentSize over the frame', { pre: { ...digits.pre, contentSize: 40 } }, 'models[0].pre.contentSize'],
    ['no post output', { post: { type: 'classes' } }, 'models[0].post.output'],
    ['labels not strings', { post: { ...digits.post, labels: [1, 2] } }, 'models[0].post.labels'],
    ['topK 0', { post: { ...digits.post, topK: 0 } }, 'models[0].post.topK'],
  ])('rejects %s: manifest-invalid naming the field', (_, change, field) => {
    const value = { models: [{ ...digits, ...change }] };
    expect(codeOf(() => parseManifest(value, url))).toBe('manifest-invalid');
    expect(() => parseManifest(value, url)).toThrow(field);
  });
  test('checkProcessors passes a good object through', () => {
    const p = { pre: digits.pre, post: digits.post };
    expect(checkProcessors(p, 'processors', (w) => { throw new Error(w); })).toBe(p);
  });
});
