import { EdgeInferError, shown } from '../errors.js';

/**
 * Checks a model or manifest URL against the app's `allowedOrigins` (undefined: any origin). Files are pinned by
 * SHA-256 wherever a manifest or the caller gives one; the list limits where the SDK sends requests at all.
 */
export function checkOrigin(url: string, allowed: readonly string[] | undefined, what: string): void {
  if (!allowed) return;
  const origin = new URL(url).origin; // a blob: URL has its creator's origin
  if (allowed.includes(origin)) return;
  throw new EdgeInferError('origin-not-allowed', `${what} ${origin} is not in allowedOrigins (${allowed.join(', ')})`, { origin });
}

/** Normalizes `allowedOrigins` entries to origins (`https://cdn.example.com`), or throws options-invalid. */
export function parseOrigins(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const invalid = (what: string) => new EdgeInferError('options-invalid', `allowedOrigins ${what}; expected an array of origins such as ['https://models.example.com']`);
  if (!Array.isArray(value)) throw invalid('must be an array');
  return Object.freeze(value.map((entry) => {
    if (typeof entry !== 'string') throw invalid(`has a ${typeof entry} entry`);
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw invalid(`has ${shown(entry)}, which is not an origin`);
    }
    if (url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) throw invalid(`has ${shown(entry)}, which is not an origin`);
    return url.origin;
  }));
}
