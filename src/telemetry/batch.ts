// Batches: encoded data points and log records, packed into OTLP request bodies of at most maxBatchBytes.
import type { Drop } from './drops.js';
import { str } from './json.js';
import { SDK_VERSION } from './version.js';

export type Signal = 'metrics' | 'logs';

/** One data point (with the head of its metric) or one log record (head `''`), already encoded. */
export interface Item {
  head: string;
  json: string;
  /** Measurements (or log records) in this item, counted as dropped if the item is lost. */
  records: number;
  /** Set on the dropped counter's own points: losing them must not lose the count they carry. */
  carried?: Drop;
}

/** One request's worth of items, plain data so it can be stored in IndexedDB as it is. */
export interface Batch {
  signal: Signal;
  /** The `resource` object: batches drained at a later start keep the session that recorded them. */
  resource: string;
  items: Item[];
  /** Set on the halves of a batch the endpoint answered 413 to: they are not split again. */
  split?: boolean;
}

const SCOPE = `{"name":"edge-infer","version":${str(SDK_VERSION)}}`;

function prefix(signal: Signal, resource: string): string {
  return signal === 'metrics'
    ? `{"resourceMetrics":[{"resource":${resource},"scopeMetrics":[{"scope":${SCOPE},"metrics":[`
    : `{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"scope":${SCOPE},"logRecords":[`;
}

/** The request body. Consecutive items with the same head share one metric. */
export function render(batch: Batch): string {
  let body = '';
  let head: string | undefined;
  for (const item of batch.items) {
    if (item.head === head) body += ',';
    else body += (head ? ']}},' : '') + item.head;
    head = item.head;
    body += item.json;
  }
  return prefix(batch.signal, batch.resource) + body + (head ? ']}}' : '') + ']}]}]}';
}

/** Greedy packing that mirrors render()'s length exactly; an item too big for any body is returned in `oversize`. */
export function pack(signal: Signal, resource: string, items: readonly Item[], maxBytes: number): { batches: Batch[]; oversize: Item[] } {
  const fixed = prefix(signal, resource).length + 9;
  const batches: Batch[] = [];
  const oversize: Item[] = [];
  let current: Item[] = [];
  let size = fixed;
  let head: string | undefined;
  for (const item of items) {
    if (fixed + item.head.length + item.json.length > maxBytes) {
      oversize.push(item);
      continue;
    }
    let add = item.head === head ? 1 + item.json.length : (head ? 4 : 0) + item.head.length + item.json.length;
    if (size + add > maxBytes) {
      batches.push({ signal, resource, items: current });
      current = [];
      size = fixed;
      add = item.head.length + item.json.length;
    }
    current.push(item);
    size += add;
    head = item.head;
  }
  if (current.length) batches.push({ signal, resource, items: current });
  return { batches, oversize };
}

/** The two halves of a batch, for one more try after a 413. */
export function halves(batch: Batch): Batch[] {
  const middle = Math.ceil(batch.items.length / 2);
  return [batch.items.slice(0, middle), batch.items.slice(middle)].map((items) => ({ ...batch, items, split: true }));
}

/** What losing these items loses: their own records, and the drops they carried. */
export function lost(items: readonly Item[], reason: string, signal: Signal): Drop[] {
  const out: Drop[] = [];
  let records = 0;
  for (const item of items) {
    records += item.records;
    if (item.carried) out.push(item.carried);
  }
  if (records) out.push({ reason, signal, count: records });
  return out;
}

/** Adds a drop to a list of drops by reason and signal. */
export function tally(list: Drop[], drop: Drop): void {
  const same = list.find((d) => d.reason === drop.reason && d.signal === drop.signal);
  if (same) same.count += drop.count;
  else list.push({ ...drop });
}
