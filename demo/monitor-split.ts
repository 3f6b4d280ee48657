// "Split traffic between two versions" on the monitor page: a rollout manifest made in the page from the bundled one
// (stable = a model's fp32 file as version `stable-fp32`, variant = its int8 form as `variant-int8`, 50/50, with
// guardrails; its other int8 form shadow-tested on a quarter of the runs as `shadow-int8`), and two emulated devices
// whose unit ids bucket into each arm. The SDK takes a `blob:` manifest URL; the files it
// names are made absolute, since nothing resolves relative to a blob: URL.
import type { Manifest, ManifestModel } from '../src/store/manifest.js';
import { bucketOf } from '../src/store/rollout.js';

export const STABLE = 'stable-fp32';
export const VARIANT = 'variant-int8';
export const SHADOW = 'shadow-int8';
const SALT = 'monitor-demo-split';
const WEIGHT = 0.5;

export interface SplitDevice {
  arm: 'stable' | 'variant';
  unitId: string;
  /** Each device has its own storage, as two browsers would. */
  dbName: string;
}

export interface Split {
  /** A `blob:` URL of the rollout manifest; valid until `dispose()`. */
  manifest: string;
  devices: SplitDevice[];
  dispose(): void;
}

export async function makeSplit(id: string): Promise<Split> {
  const base = new URL('/models/manifest.json', location.href).href;
  const response = await fetch(base);
  if (!response.ok) throw new Error(`${base}: HTTP ${response.status}`);
  const entry = ((await response.json()) as Manifest).models.find((m) => m.id === id);
  if (!entry) throw new Error(`${id} is not in ${base}`);
  const { variants = [], rollout: _, ...fp32 } = entry;
  // The dynamic form is the one made for WASM, where this page's models run.
  const int8 = variants.find((v) => v.precision === 'int8' && v.mode === 'dynamic') ?? variants.find((v) => v.precision === 'int8');
  if (!int8) throw new Error(`${id} has no int8 form in ${base}`);
  const other = variants.find((v) => v.precision === 'int8' && v !== int8);
  const absolute = (file: string) => new URL(file, base).href;
  const common: ManifestModel = { ...fp32, file: absolute(fp32.file), ...(fp32.profile ? { profile: { ...fp32.profile, file: absolute(fp32.profile.file) } } : {}) };
  const models: ManifestModel[] = [
    {
      ...common, version: STABLE, rollout: {
        stable: STABLE, variants: [{ version: VARIANT, weight: WEIGHT }], salt: SALT,
        guardrails: { minRuns: 100, maxErrorRate: 0.05, maxP95Ms: 250 },
        ...(other ? { shadow: { version: SHADOW, sampleRate: 0.25 } } : {}),
      },
    },
    { ...common, version: VARIANT, file: absolute(int8.file), bytes: int8.bytes, sha256: int8.sha256 },
    ...(other ? [{ ...common, version: SHADOW, file: absolute(other.file), bytes: other.bytes, sha256: other.sha256 }] : []),
  ];
  const manifest = URL.createObjectURL(new Blob([JSON.stringify({ models })], { type: 'application/json' }));
  const devices = (['stable', 'variant'] as const).map((arm) => ({ arm, unitId: unitIn(id, arm), dbName: `edge-infer-demo-device-${arm}` }));
  return { manifest, devices, dispose: () => URL.revokeObjectURL(manifest) };
}

/** The first `demo-device-N` whose bucket lands in `arm`: the variant owns [0, WEIGHT). */
function unitIn(id: string, arm: 'stable' | 'variant'): string {
  for (let i = 0; ; i++) {
    const unit = `demo-device-${i}`;
    if (bucketOf(SALT, id, unit) < WEIGHT === (arm === 'variant')) return unit;
  }
}
