import { describe, expect, test } from 'vitest';
import { WTinyLfu, type Removal } from '../../../src/cache/policy.js';

function make(maxEntries: number, maxWeight = Infinity) {
  const removed: [number, Removal][] = [];
  const policy = new WTinyLfu<number, number>({ maxEntries, maxWeight, onRemove: (key, _, why) => removed.push([key, why]) });
  const access = (key: number, weight = 1) => {
    if (policy.get(key, hash(key)) === undefined) policy.set(key, hash(key), key, weight);
  };
  return { policy, removed, access };
}

function hash(key: number): number {
  let h = Math.imul(key ^ 0x5bd1e995, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

describe('W-TinyLFU policy', () => {
  test('keeps frequent keys through a burst of one-off keys', () => {
    const { policy, removed, access } = make(100);
    for (let round = 0; round < 5; round++) for (let k = 0; k < 50; k++) access(k);
    for (let k = 1000; k < 1500; k++) access(k); // 500 one-off keys in a row, 5x the capacity
    for (let k = 0; k < 50; k++) expect(policy.has(k)).toBe(true);
    expect(policy.size).toBeLessThanOrEqual(100);
    expect(removed.filter(([, why]) => why === 'rejected').length).toBeGreaterThan(400);
  });

  test('keeps frequent keys while one-off keys stream past at 3 in 4 accesses (an LRU of this size keeps none)', () => {
    const { policy, access } = make(100);
    let oneOff = 1000;
    for (let i = 0; i < 100_000; i++) access(i % 4 === 0 ? (i / 4) % 50 : oneOff++);
    for (let k = 0; k < 50; k++) expect(policy.has(k)).toBe(true);
  });

  test('fills up before it rejects anything, then lets a newly frequent key displace a cold one', () => {
    const { policy, removed, access } = make(10);
    for (let k = 0; k < 10; k++) access(k); // 9 in the main region, 1 in the one-entry window
    expect(removed).toEqual([]);
    access(100); // pushes 9 out of the window: no more frequent than the main victim, so it is rejected
    expect(removed).toEqual([[9, 'rejected']]);
    expect(policy.has(100)).toBe(true);
    for (let i = 0; i < 4; i++) access(200); // 200 becomes frequent while it misses
    access(201); // 200 leaves the window and beats the least recently used main entry on frequency
    expect(policy.has(200)).toBe(true);
    expect(removed.at(-1)?.[1]).toBe('evicted');
  });

  test('evicts in LRU order among equally frequent entries of the main region', () => {
    const { policy, removed, access } = make(5);
    for (let k = 0; k < 5; k++) access(k); // window holds 4, main holds 0..3
    for (let i = 0; i < 3; i++) access(50); // frequent newcomer
    access(51); // 50 must evict the oldest probation entry, 0
    expect(removed.find(([, why]) => why === 'evicted')).toEqual([0, 'evicted']);
    expect(policy.has(1)).toBe(true);
  });

  test('a hit in probation protects the entry from the next eviction', () => {
    const { policy, removed, access } = make(5);
    for (let k = 0; k < 5; k++) access(k);
    access(0); // 0 moves to protected; 1 is now the oldest in probation
    for (let i = 0; i < 3; i++) access(60);
    access(61);
    expect(policy.has(0)).toBe(true);
    expect(removed.find(([, why]) => why === 'evicted')).toEqual([1, 'evicted']);
  });

  test('stays within the weight bound and refuses an entry heavier than the bound', () => {
    const { policy, removed, access } = make(100, 1000);
    for (let k = 0; k < 50; k++) access(k, 100);
    expect(policy.weight).toBeLessThanOrEqual(1000);
    expect(policy.size).toBeLessThanOrEqual(10);
    expect(policy.set(999, hash(999), 999, 1001)).toBe(false);
    expect(removed.at(-1)).toEqual([999, 'rejected']);
    expect(policy.weight).toBeLessThanOrEqual(1000);
  });

  test('replacing a key updates its weight, delete and clear empty it', () => {
    const { policy } = make(10, 100);
    policy.set(1, hash(1), 1, 10);
    policy.set(1, hash(1), 1, 30);
    expect([policy.size, policy.weight]).toEqual([1, 30]);
    expect(policy.delete(1)).toBe(1);
    expect([policy.size, policy.weight]).toEqual([0, 0]);
    policy.set(2, hash(2), 2, 10);
    policy.clear();
    expect([policy.size, policy.weight, policy.get(2, hash(2))]).toEqual([0, 0, undefined]);
  });
});
