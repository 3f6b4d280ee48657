// Loads the bundled models' held-out data and references (written by `npm run models`), in the browser.
export interface RefTensor {
  dtype: string;
  dims: number[];
  data?: number[];
  base64?: string;
}

export async function json<T>(path: string): Promise<T> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function bytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

export function float32(t: RefTensor): Float32Array {
  if (t.data) return Float32Array.from(t.data);
  const raw = Uint8Array.from(atob(t.base64!), (c) => c.charCodeAt(0));
  return new Float32Array(raw.buffer);
}

/** 2,000 held-out digits: pixels as the model takes them (byte / 255) and labels. */
export async function digitsTestSet(): Promise<{ pixels: Float32Array; labels: Uint8Array }> {
  const raw = await bytes('/models/digits/test-set.bin');
  const n = raw.length / 785;
  return { pixels: Float32Array.from(raw.subarray(0, n * 784), (b) => b / 255), labels: raw.slice(n * 784) };
}

/** 72 held-out CO2 windows: 36 months of history and the 12 months that followed. */
export async function forecastTestSet(): Promise<{ histories: Float32Array; targets: Float32Array; n: number }> {
  const raw = await bytes('/models/forecast/test-set.bin');
  const all = new Float32Array(raw.buffer);
  const n = all.length / 48;
  return { histories: all.slice(0, n * 36), targets: all.slice(n * 36), n };
}

/** speech.wav as float samples in [-1, 1) (16-bit PCM, mono). */
export async function speech(): Promise<Float32Array> {
  const raw = await bytes('/models/vad/speech.wav');
  const view = new DataView(raw.buffer);
  let offset = 12;
  while (offset < raw.length) {
    const id = String.fromCharCode(...raw.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      const pcm = new Int16Array(raw.buffer.slice(offset + 8, offset + 8 + size));
      return Float32Array.from(pcm, (s) => s / 32768);
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('speech.wav has no data chunk');
}
