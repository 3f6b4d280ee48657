// Test clip for the VAD: silence / sentence / silence / sentence / silence at 16 kHz,
// synthesized with espeak-ng and resampled with sox.
import { spawnSync } from 'node:child_process';
import { mulberry32, normalSampler } from '../lib/rng.mjs';

export const SAMPLE_RATE = 16000;
export const FRAME_SAMPLES = 512;

export const CLIP = {
  voice: 'en-us',
  wordsPerMinute: 150,
  sentences: ['The weather is lovely this afternoon.', 'Please open the window before you leave.'],
  // Silence before, between and after the sentences, in seconds.
  gaps: [1.0, 1.5, 1.0],
  peak: 0.5,
  noiseRms: 3e-4,
  noiseSeed: 16000,
  // Samples below this fraction of the peak at either end of a sentence count as silence.
  trimFraction: 0.02,
};

function run(cmd, args, input) {
  const res = spawnSync(cmd, args, { input, maxBuffer: 64 << 20 });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} exited with ${res.status}: ${res.stderr}`);
  return res.stdout;
}

/** One sentence as 16 kHz mono float samples, trimmed to its audible extent and peak-normalized. */
function synthesize(text) {
  const wav = run('espeak-ng', ['-v', CLIP.voice, '-s', String(CLIP.wordsPerMinute), '--stdout', text]);
  const raw = run('sox', ['-R', '-t', 'wav', '-', '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-c', '1', '-',
    'rate', '-v', String(SAMPLE_RATE)], wav);
  const samples = new Float32Array(raw.length / 4);
  for (let i = 0; i < samples.length; i++) samples[i] = raw.readFloatLE(i * 4);
  const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const threshold = peak * CLIP.trimFraction;
  let first = 0;
  while (Math.abs(samples[first]) < threshold) first++;
  let last = samples.length - 1;
  while (Math.abs(samples[last]) < threshold) last--;
  return samples.slice(first, last + 1).map((v) => (v / peak) * CLIP.peak);
}

/** Builds the clip; returns { pcm: Int16Array, info } where info is speech.json's content. */
export function generateClip() {
  const parts = CLIP.sentences.map(synthesize);
  const gapSamples = CLIP.gaps.map((s) => Math.round(s * SAMPLE_RATE));
  const total = gapSamples.reduce((a, b) => a + b, 0) + parts.reduce((a, p) => a + p.length, 0);
  const mix = new Float64Array(total);
  const segments = [];
  let at = 0;
  parts.forEach((part, i) => {
    at += gapSamples[i];
    mix.set(part, at);
    segments.push({
      start: at / SAMPLE_RATE,
      end: (at + part.length) / SAMPLE_RATE,
      startSample: at,
      endSample: at + part.length,
      text: CLIP.sentences[i],
    });
    at += part.length;
  });
  const normal = normalSampler(mulberry32(CLIP.noiseSeed));
  const pcm = new Int16Array(total);
  for (let i = 0; i < total; i++) {
    const v = Math.round((mix[i] + normal() * CLIP.noiseRms) * 32767);
    pcm[i] = Math.max(-32768, Math.min(32767, v));
  }
  const tool = (cmd, args) => run(cmd, args).toString().split(/\s+Data at:|\n/)[0].replace(/\s+/g, ' ').trim();
  const info = {
    file: 'vad/speech.wav',
    sampleRate: SAMPLE_RATE,
    channels: 1,
    bitsPerSample: 16,
    samples: total,
    durationSeconds: total / SAMPLE_RATE,
    frameSamples: FRAME_SAMPLES,
    segments,
    construction: {
      ...CLIP,
      synthesizer: tool('espeak-ng', ['--version']),
      resampler: tool('sox', ['--version']),
      note: 'Segments span each synthesized sentence from its first to last sample above ' +
        'trimFraction of its peak; everything else is seeded Gaussian noise at noiseRms.',
    },
  };
  return { pcm, info };
}

/** 16-bit PCM mono WAV bytes. */
export function encodeWav(pcm, sampleRate = SAMPLE_RATE) {
  const buf = Buffer.alloc(44 + pcm.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + pcm.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(pcm.length * 2, 40);
  pcm.forEach((v, i) => buf.writeInt16LE(v, 44 + i * 2));
  return buf;
}

/** Samples of a 16-bit PCM mono WAV as floats in [-1, 1) (value / 32768). */
export function decodeWav(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let format = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format || format.channels !== 1 || format.bits !== 16) throw new Error('expected 16-bit mono PCM');
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + i * 2) / 32768;
      return { sampleRate: format.sampleRate, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('WAV file has no data chunk');
}
