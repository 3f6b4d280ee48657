// The models the lab compares: the bundled ones (the manifest's fp32 file and its int8 variants, with their
// held-out samples) and the ones the user dropped (files.ts makes their sources).
import { bundledSamples } from './quality.js';
import type { LabModelSource, VariantFile, VariantName } from './types.js';

export const MANIFEST_URL = '/models/manifest.json';

interface ManifestFile {
  file: string;
  bytes: number;
  sha256: string;
}
export interface ManifestModel extends ManifestFile {
  id: string;
  variants?: (ManifestFile & { mode: string })[];
}

const MODE_VARIANT: Record<string, VariantName> = { dynamic: 'int8-dynamic', weights: 'int8-weights' };

export async function readManifest(): Promise<ManifestModel[]> {
  const response = await fetch(MANIFEST_URL);
  if (!response.ok) throw new Error(`${MANIFEST_URL}: HTTP ${response.status}`);
  return ((await response.json()) as { models: ManifestModel[] }).models;
}

function variantFile(variant: VariantName, file: ManifestFile): VariantFile {
  return { variant, url: `/models/${file.file}`, sha256: file.sha256, bytes: file.bytes };
}

/** A bundled model as the engine takes it; its held-out samples are fetched here (once per page). */
export async function bundledSource(entry: ManifestModel): Promise<LabModelSource> {
  const variants = [variantFile('fp32', entry)];
  for (const v of entry.variants ?? []) {
    const name = MODE_VARIANT[v.mode];
    if (name) variants.push(variantFile(name, v));
  }
  const data = await bundledSamples(entry.id);
  return { id: entry.id, bundled: true, variants, ...(data ?? {}) };
}

/** The sources for one run: the chosen bundled models, then every dropped one. */
export async function sourcesFor(ids: readonly string[], manifest: readonly ManifestModel[], dropped: readonly LabModelSource[]): Promise<LabModelSource[]> {
  const bundled = manifest.filter((m) => ids.includes(m.id));
  return [...(await Promise.all(bundled.map(bundledSource))), ...dropped];
}
