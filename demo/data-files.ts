// The bundled data files the demo pages read: fetched bytes, and the VAD's speech clip as samples.

export async function bytes(path: string): Promise<Uint8Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A 16-bit PCM mono WAV file's samples in [-1, 1). */
export function wavPcm(raw: Uint8Array): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let offset = 12; offset + 8 <= raw.length; ) {
    const id = String.fromCharCode(...raw.subarray(offset, offset + 4));
    const size = Math.min(view.getUint32(offset + 4, true), raw.length - offset - 8);
    if (id === 'data') return Float32Array.from({ length: size >> 1 }, (_, k) => view.getInt16(offset + 8 + 2 * k, true) / 32768);
    offset += 8 + size + (size % 2);
  }
  throw new Error('the WAV file has no data chunk');
}

/** models/vad/speech.wav: 16 kHz. */
export const speechClip = async (): Promise<Float32Array> => wavPcm(await bytes('/models/vad/speech.wav'));
