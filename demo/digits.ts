/**
 * Turns a drawing into the model's input the way MNIST digits were made: crop to the ink, scale the longer side
 * to 20 px, then centre the ink's centre of mass in a 28×28 frame. Values in [0, 1], white ink on black.
 */
export function toMnist(source: HTMLCanvasElement): Float32Array | undefined {
  const { width, height } = source;
  const ink = source.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((ink[(y * width + x) * 4] as number) > 20) {
        top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return undefined;
  const w = right - left + 1, h = bottom - top + 1;
  const scale = 20 / Math.max(w, h);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const ctx = small.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, left, top, w, h, 0, 0, Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  const boxed = ctx.getImageData(0, 0, 28, 28).data;
  let mass = 0, cx = 0, cy = 0;
  for (let i = 0; i < 28 * 28; i++) {
    const v = (boxed[i * 4] as number) / 255;
    mass += v; cx += v * (i % 28); cy += v * Math.floor(i / 28);
  }
  const dx = Math.round(14 - cx / mass), dy = Math.round(14 - cy / mass);
  const pixels = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) pixels[y * 28 + x] = (boxed[(sy * 28 + sx) * 4] as number) / 255;
    }
  }
  return pixels;
}
