// Band-limited resampling of mono PCM between integer rates: a polyphase windowed-sinc (Kaiser) filter over the
// exact reduced ratio L/M. Linear interpolation would fold everything above the new Nyquist back into the band
// (44.1 → 16 kHz keeps 8–22 kHz as aliases); this low-pass removes it first.
import { EdgeInferError, shown } from '../../errors.js';

const MIN_RATE = 8000;
const MAX_RATE = 384000;
/** Sinc zero crossings on each side of the centre tap: longer means a sharper transition band. */
const ZERO_CROSSINGS = 32;
/** Kaiser β ≈ 0.1102·(A − 8.7) for A ≈ 90 dB stopband attenuation. */
const KAISER_BETA = 9;
/**
 * Cutoff as a share of the lower Nyquist. With 32 crossings and β = 9 the transition band is ~0.18 × cutoff wide,
 * so 0.91 puts the stopband edge just below Nyquist: nothing above it folds back, passband is flat to ~0.83.
 */
const ROLLOFF = 0.91;
/** Largest polyphase table (phases × taps): 4 MiB of float32. Rates with a tiny common divisor need more. */
const MAX_COEFFICIENTS = 1 << 20;

/** `pcm` (mono, any length) at `fromRate` Hz, resampled to `toRate` Hz; a copy when the rates are equal. */
export function resample(pcm: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkSamples(pcm, 'pcm');
  const resampler = new Resampler(fromRate, toRate);
  const [head, tail] = [resampler.push(pcm), resampler.flush()];
  if (tail.length === 0) return head;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/**
 * Streaming form of `resample`: the same samples for the same signal, however it is split into chunks. Output
 * sample k sits at input time k·M/L and needs `half` input samples after it, so `push` holds back that much;
 * `flush` ends the stream (zeros past the end, as the one-shot function) and readies the instance for a new one.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  private readonly up: number;
  private readonly down: number;
  private readonly half: number;
  private readonly taps: number;
  private readonly table: Float32Array;
  private buf = new Float32Array(0);
  /** Absolute input index of buf[0]; negative at the start, where the zero history sits. */
  private bufStart = 0;
  private bufLen = 0;
  /** Next output's position: input index q plus phase r / up. */
  private q = 0;
  private r = 0;

  constructor(fromRate: number, toRate: number) {
    checkRate(fromRate, 'fromRate');
    checkRate(toRate, 'toRate');
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    // Normalized cutoff (cycles per input sample × 2) and filter half-width in input samples.
    const nu = ROLLOFF * Math.min(1, this.up / this.down);
    this.half = fromRate === toRate ? 0 : Math.ceil(ZERO_CROSSINGS / nu);
    this.taps = 2 * this.half;
    if (this.up * this.taps > MAX_COEFFICIENTS) {
      throw new EdgeInferError('input-invalid', `resampling ${fromRate} → ${toRate} Hz reduces to ${this.up}/${this.down}, ` +
        `which needs ${this.up * this.taps} filter coefficients; expected rates whose ratio needs at most ` +
        `${MAX_COEFFICIENTS} (e.g. 44100 → 16000 = 160/441)`, { fromRate, toRate });
    }
    this.table = fromRate === toRate ? new Float32Array(0) : buildTable(this.up, this.half, nu);
    this.reset();
  }

  /** The output samples that `chunk` completes; the last `half` input samples wait for the next chunk or flush. */
  push(chunk: Float32Array): Float32Array {
    checkSamples(chunk, 'chunk');
    if (this.up === this.down) return chunk.slice();
    this.append(chunk, chunk.length);
    // Output q needs inputs up to q + half.
    return this.emit(this.bufStart + this.bufLen - this.half);
  }

  /** The remaining outputs (input taken as zero past its end); then starts a new stream. */
  flush(): Float32Array {
    if (this.up === this.down) return new Float32Array(0);
    const total = this.bufStart + this.bufLen;
    this.append(new Float32Array(this.half), this.half);
    const out = this.emit(total);
    this.reset();
    return out;
  }

  private reset(): void {
    // half − 1 zeros before sample 0: the first output's earliest tap.
    this.buf = new Float32Array(Math.max(1024, 4 * this.taps));
    this.bufStart = 1 - this.half;
    this.bufLen = this.half > 0 ? this.half - 1 : 0;
    this.q = 0;
    this.r = 0;
  }

  private append(chunk: Float32Array, n: number): void {
    const keep = this.q - this.half + 1 - this.bufStart;
    if (keep > 0) {
      this.buf.copyWithin(0, keep, this.bufLen);
      this.bufStart += keep;
      this.bufLen -= keep;
    }
    if (this.bufLen + n > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.bufLen + n));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(0, n), this.bufLen);
    this.bufLen += n;
  }

  /** Every output whose position index q is below `end`. */
  private emit(end: number): Float32Array {
    const { up, down, taps, table, buf } = this;
    const available = end - this.q;
    if (available <= 0) return new Float32Array(0);
    const out = new Float32Array(Math.ceil((available * up) / down) + 1);
    const qStep = Math.floor(down / up);
    const rStep = down % up;
    let { q, r } = this;
    let n = 0;
    while (q < end) {
      const first = q - this.half + 1 - this.bufStart;
      const row = r * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += table[row + j]! * buf[first + j]!;
      out[n++] = acc;
      q += qStep;
      r += rStep;
      if (r >= up) {
        r -= up;
        q++;
      }
    }
    this.q = q;
    this.r = r;
    return n === out.length ? out : out.slice(0, n);
  }
}

/** Row r holds the taps for phase r/up: tap j weighs input q − half + 1 + j for an output at q + r/up. */
function buildTable(up: number, half: number, nu: number): Float32Array {
  const taps = 2 * half;
  const table = new Float32Array(up * taps);
  const width = ZERO_CROSSINGS / nu;
  const norm = besselI0(KAISER_BETA);
  const row = new Float64Array(taps);
  for (let r = 0; r < up; r++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const x = r / up + half - 1 - j;
      const u = x / width;
      const w = Math.abs(u) < 1 ? besselI0(KAISER_BETA * Math.sqrt(1 - u * u)) / norm : 0;
      row[j] = nu * sinc(nu * x) * w;
      sum += row[j]!;
    }
    // Unit DC gain in every phase, so a constant signal stays constant (no ripple at the phase rate).
    for (let j = 0; j < taps; j++) table[r * taps + j] = row[j]! / sum;
  }
  return table;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ ~20). */
function besselI0(x: number): number {
  const y = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-16; k++) {
    term *= y / (k * k);
    sum += term;
  }
  return sum;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function checkRate(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_RATE || value > MAX_RATE) {
    throw new EdgeInferError('input-invalid',
      `${name} must be a whole number of Hz from ${MIN_RATE} to ${MAX_RATE}; got ${shown(value)}`, { [name]: shown(value) });
  }
}

function checkSamples(value: unknown, name: string): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new EdgeInferError('input-invalid', `${name} must be a Float32Array of mono samples; got ${shown(value)}`);
  }
}
