// Writes the demo's PWA icons (demo/icons/*.png): a blue tile with three white bars, the lab's comparison chart.
// Plain RGBA PNGs encoded here with node:zlib, so making them needs no network and no dependency.
// Run: node scripts/make-icons.mjs (the outputs are committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../demo/icons/', import.meta.url);
const BLUE = [37, 99, 235];
const WHITE = [255, 255, 255];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG of size × size RGBA pixels; `pixel(x, y)` returns [r, g, b, a]. */
function png(size, pixel) {
  const rows = Buffer.alloc(size * (1 + size * 4));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 4); // each row starts with filter type 0
    for (let x = 0; x < size; x++) rows.set(pixel(x, y), row + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * The icon in unit coordinates (0..1). `inset` keeps the bars in the middle: a maskable icon's launcher may cut
 * everything outside the central 80% circle, so its bars sit in a smaller box and its tile fills the square.
 */
function icon(size, { maskable }) {
  const inset = maskable ? 0.3 : 0.22;
  const radius = maskable ? 0 : 0.18;
  const bars = [[0.0, 0.55], [0.38, 0.85], [0.76, 0.35]]; // [left within the box, height]
  const barWidth = 0.24;
  return png(size, (px, py) => {
    const x = (px + 0.5) / size;
    const y = (py + 0.5) / size;
    if (!inTile(x, y, radius)) return [0, 0, 0, 0];
    const bx = (x - inset) / (1 - 2 * inset);
    const by = (y - inset) / (1 - 2 * inset);
    const onBar = bars.some(([left, height]) => bx >= left && bx <= left + barWidth && by <= 1 && by >= 1 - height);
    return [...(onBar ? WHITE : BLUE), 255];
  });
}

function inTile(x, y, r) {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

mkdirSync(OUT, { recursive: true });
for (const [name, size, maskable] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['maskable-512.png', 512, true]]) {
  writeFileSync(new URL(name, OUT), icon(size, { maskable }));
  console.log(`wrote demo/icons/${name}`);
}
