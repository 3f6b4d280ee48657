// Count-min sketch of recent access frequencies (TinyLFU). Counters saturate at 15 and are halved after every
// `10 x capacity` increments, so old popularity fades and a formerly hot key cannot squat forever.

const MAX_COUNT = 15;
const SEEDS = [0x97cb3127, 0x8ba6b3b1, 0x4e67c6a7, 0xd2511f53] as const;

export class FrequencySketch {
  private readonly table: Uint8Array;
  private readonly mask: number;
  private readonly sampleSize: number;
  private additions = 0;

  constructor(capacity: number) {
    const width = nextPowerOfTwo(Math.max(16, Math.min(capacity, 1 << 22) * 4));
    this.table = new Uint8Array(width * SEEDS.length);
    this.mask = width - 1;
    this.sampleSize = Math.max(10, 10 * capacity);
  }

  /** Estimated recent accesses of a key, from its 32-bit hash (0 to 15). */
  frequency(hash: number): number {
    let min = MAX_COUNT;
    for (let row = 0; row < SEEDS.length; row++) min = Math.min(min, this.table[this.index(hash, row)] as number);
    return min;
  }

  increment(hash: number): void {
    // Conservative update: raise only the counters at the current minimum, which keeps estimates tighter.
    const min = this.frequency(hash);
    if (min >= MAX_COUNT) return;
    for (let row = 0; row < SEEDS.length; row++) {
      const i = this.index(hash, row);
      if (this.table[i] === min) this.table[i] = min + 1;
    }
    if (++this.additions >= this.sampleSize) this.age();
  }

  clear(): void {
    this.table.fill(0);
    this.additions = 0;
  }

  private age(): void {
    for (let i = 0; i < this.table.length; i++) this.table[i] = (this.table[i] as number) >>> 1;
    this.additions = this.additions >>> 1;
  }

  private index(hash: number, row: number): number {
    let h = Math.imul(hash ^ (SEEDS[row] as number), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return row * (this.mask + 1) + (h & this.mask);
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
