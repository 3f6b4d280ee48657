import { backoffMs } from '../backoff.js';
import { EdgeInferError } from '../errors.js';

export interface DownloadOptions {
  url: string;
  /** Bytes already held from an earlier attempt; asked for with `Range: bytes=<offset>-`. */
  offset: number;
  /** Expected size, when the manifest or caller knows it. */
  total: number | undefined;
  signal: AbortSignal;
  /** Extra attempts after network errors, 5xx, 429 and short bodies. */
  retries: number;
  /** First backoff delay; doubles each retry, with jitter. */
  backoffMs: number;
  /** Receives the body in order. `restart` is true when the server ignored Range and sent the file from byte 0. */
  onData(bytes: Uint8Array, restart: boolean): Promise<void>;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Streams a file, resuming with HTTP Range after network errors or short bodies, falling back to a full download
 * when the server ignores Range. Resolves with the file size. Only 4xx answers fail at once.
 */
export async function download(o: DownloadOptions): Promise<number> {
  checkScheme(o.url);
  const sleep = o.sleep ?? abortableSleep;
  let offset = o.offset;
  let total = o.total;
  let lastError: EdgeInferError | undefined;
  let discard = false; // the caller's partial copy must be dropped before the next bytes
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs(o.backoffMs, attempt), o.signal);
    if (total !== undefined && offset >= total) return offset;
    let response: Response;
    try {
      response = await fetch(o.url, { signal: o.signal, headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, cache: 'no-store' });
    } catch (error) {
      throwIfAborted(o.signal);
      lastError = fetchFailed(o.url, `network error: ${String(error)}`, { offline: globalThis.navigator?.onLine === false });
      if (globalThis.navigator?.onLine === false) throw lastError; // no point retrying while the browser is offline
      continue;
    }
    if (offset > 0 && (response.status === 416 || (response.status === 206 && rangeStart(response) !== offset))) {
      offset = 0; // our partial copy does not fit what the server has: start over
      discard = true;
      await response.body?.cancel();
      attempt--; // not a failure of the server
      continue;
    }
    if (!response.ok) {
      lastError = fetchFailed(o.url, `HTTP ${response.status}; expected 200 or 206`, { status: response.status });
      await response.body?.cancel();
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw lastError;
      continue;
    }
    const restart = discard || (offset > 0 && response.status !== 206);
    discard = false;
    if (restart) offset = 0;
    total ??= sizeFrom(response, offset);
    const received = { offset };
    try {
      await consume(response, received, restart, o);
    } catch (error) {
      throwIfAborted(o.signal);
      if (error instanceof EdgeInferError) throw error;
      lastError = fetchFailed(o.url, `connection dropped after ${received.offset} bytes: ${String(error)}`, {});
      continue;
    } finally {
      offset = received.offset; // what arrived is kept: the caller stored it through onData
    }
    if (total === undefined || offset >= total) return offset;
    lastError = fetchFailed(o.url, `body ended at ${offset} of ${total} bytes`, {});
  }
  throw lastError ?? fetchFailed(o.url, 'gave up', {});
}

async function consume(response: Response, received: { offset: number }, restart: boolean, o: DownloadOptions): Promise<void> {
  let first = restart;
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await o.onData(value, first);
      first = false;
      received.offset += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Defence in depth behind load()'s own check: only http(s) and blob URLs are ever fetched. */
function checkScheme(url: string): void {
  let scheme: string | undefined;
  try {
    scheme = new URL(url, globalThis.location?.href).protocol;
  } catch {
    scheme = undefined;
  }
  if (scheme === 'http:' || scheme === 'https:' || scheme === 'blob:') return;
  const shown = url.length > 80 ? `${url.slice(0, 80)}…` : url;
  throw new EdgeInferError('options-invalid', `refusing to fetch ${shown}: expected an http(s) or blob URL, got ${scheme ?? 'no valid URL'}`, { scheme });
}

function rangeStart(response: Response): number | undefined {
  const match = /bytes\s+(\d+)-/.exec(response.headers.get('Content-Range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function sizeFrom(response: Response, offset: number): number | undefined {
  const range = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
  if (range) return Number(range[1]);
  const length = response.headers.get('Content-Length');
  return length === null ? undefined : offset + Number(length);
}

function fetchFailed(url: string, what: string, details: Record<string, unknown>): EdgeInferError {
  return new EdgeInferError('model-fetch-failed', `downloading ${url} failed: ${what}`, { url, ...details });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new EdgeInferError('aborted', 'the load was aborted; stored chunks are kept for the next attempt');
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      try {
        throwIfAborted(signal);
      } catch (error) {
        reject(error);
      }
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
