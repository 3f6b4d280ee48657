// The id a run's result carries so a later outcome can be joined to it. It is 64 random bits and nothing else: not
// derived from the user, the device, the input or the time, so handing it to an app's server tells that server
// nothing. 64 bits keep collisions out of reach for a ring of at most a million predictions (~3e-8).
import { EdgeInferError, shown } from '../errors.js';

/** 16 lowercase hex characters, e.g. `'3f9c0a1be4d27c58'`. */
export type PredictionId = string;

const PATTERN = /^[0-9a-f]{16}$/;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes are drawn 512 ids at a time: one getRandomValues call per id would dominate remember()'s cost.
const POOL_IDS = 512;
let pool: Uint8Array | undefined;
let next = POOL_IDS;

/** A fresh random prediction id, from `crypto.getRandomValues`. */
export function newPredictionId(): PredictionId {
  if (next === POOL_IDS) {
    // getRandomValues exists in every browser context (secure or not), in workers and in Node >= 19.
    pool = globalThis.crypto.getRandomValues(pool ?? new Uint8Array(POOL_IDS * 8));
    next = 0;
  }
  const bytes = pool!;
  const at = next++ * 8;
  let id = '';
  for (let i = at; i < at + 8; i++) id += HEX[bytes[i]!];
  return id;
}

/** Whether `value` has the form of a prediction id (it says nothing about whether the id was ever issued). */
export function isPredictionId(value: unknown): value is PredictionId {
  return typeof value === 'string' && PATTERN.test(value);
}

/** Throws `input-invalid` unless `value` has the form of a prediction id. */
export function checkPredictionId(value: unknown): PredictionId {
  if (!isPredictionId(value)) {
    throw new EdgeInferError('input-invalid', `a prediction id must be 16 lowercase hex characters, got ${shown(value)}`);
  }
  return value;
}
