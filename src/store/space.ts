import type { StoredModel } from './store.js';

export interface SpaceLimits {
  /** The configured byte limit for all cached models. */
  maxBytes: number;
  /** Free bytes the browser reports (quota - usage), when it reports any. */
  available: number | undefined;
}

/**
 * Which cached models to delete, least recently used first, so that `need` more bytes fit under both limits.
 * Models named in `keep` (in use by the current load) are never chosen. `undefined` when nothing can make room.
 */
export function planEviction(models: readonly StoredModel[], need: number, limits: SpaceLimits, keep: ReadonlySet<string>): StoredModel[] | undefined {
  const used = models.reduce((sum, m) => sum + m.stored, 0);
  const overLimit = used + need - limits.maxBytes;
  const overQuota = limits.available === undefined ? 0 : need - limits.available;
  let toFree = Math.max(overLimit, overQuota, 0);
  if (toFree === 0) return [];
  const victims: StoredModel[] = [];
  const candidates = models.filter((m) => !keep.has(keyOf(m))).sort((a, b) => a.lastUsed - b.lastUsed);
  for (const m of candidates) {
    if (toFree <= 0) break;
    victims.push(m);
    toFree -= m.stored;
  }
  return toFree <= 0 ? victims : undefined;
}

export function keyOf(m: Pick<StoredModel, 'id' | 'version'>): string {
  return `${m.id}@${m.version}`;
}

/** Free bytes per navigator.storage.estimate(), or undefined where the browser does not say. */
export async function availableBytes(): Promise<number | undefined> {
  try {
    const estimate = await navigator.storage?.estimate?.();
    if (!estimate || estimate.quota === undefined || estimate.usage === undefined) return undefined;
    return Math.max(0, estimate.quota - estimate.usage);
  } catch {
    return undefined;
  }
}

export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || (error instanceof DOMException && error.code === 22);
}
