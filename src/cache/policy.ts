// W-TinyLFU (Einziger, Friedman, Manes 2017; the policy behind Caffeine): a small LRU "window" takes every new entry;
// when it overflows, its oldest entry may enter the main SLRU (probation + protected) only if the frequency sketch
// says it is used more often than the main region's next victim. A burst of one-off keys therefore churns the
// window alone and cannot flush entries that keep being asked for.
import { FrequencySketch } from './sketch.js';

/** Why the policy let an entry go: refused entry to the main region, or pushed out of it (or of the window) for room. */
export type Removal = 'rejected' | 'evicted';

export interface PolicyOptions<K, V> {
  maxEntries: number;
  /** Upper bound on the sum of entry weights (bytes, for the output cache). */
  maxWeight: number;
  /** Share of `maxEntries` given to the admission window. @defaultValue 0.01 */
  windowFraction?: number;
  /** Called for every entry the policy drops by itself (not for `delete`/`clear`). */
  onRemove?: (key: K, value: V, why: Removal) => void;
}

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;

interface Node<K, V> {
  key: K;
  value: V;
  hash: number;
  weight: number;
  segment: number;
  prev: Node<K, V>;
  next: Node<K, V>;
}

/** An LRU list: the sentinel's `next` is the least recently used node. */
class Segment<K, V> {
  readonly head = { prev: undefined, next: undefined } as unknown as Node<K, V>;
  count = 0;

  constructor() {
    this.head.prev = this.head;
    this.head.next = this.head;
  }

  lru(): Node<K, V> | undefined {
    return this.count === 0 ? undefined : this.head.next;
  }

  push(node: Node<K, V>): void {
    node.prev = this.head.prev;
    node.next = this.head;
    this.head.prev.next = node;
    this.head.prev = node;
    this.count++;
  }

  unlink(node: Node<K, V>): void {
    node.prev.next = node.next;
    node.next.prev = node.prev;
    this.count--;
  }
}

export class WTinyLfu<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>();
  private readonly segments = [new Segment<K, V>(), new Segment<K, V>(), new Segment<K, V>()] as const;
  private readonly sketch: FrequencySketch;
  private readonly windowMax: number;
  private readonly mainMax: number;
  private readonly protectedMax: number;
  private readonly maxWeight: number;
  private readonly onRemove: PolicyOptions<K, V>['onRemove'];
  private totalWeight = 0;

  constructor(options: PolicyOptions<K, V>) {
    const max = Math.max(1, Math.floor(options.maxEntries));
    this.windowMax = Math.max(1, Math.round(max * (options.windowFraction ?? 0.01)));
    this.mainMax = Math.max(0, max - this.windowMax);
    this.protectedMax = Math.floor(this.mainMax * 0.8);
    this.maxWeight = options.maxWeight;
    this.onRemove = options.onRemove;
    this.sketch = new FrequencySketch(max);
  }

  get size(): number {
    return this.nodes.size;
  }

  get weight(): number {
    return this.totalWeight;
  }

  has(key: K): boolean {
    return this.nodes.has(key);
  }

  /** Looks a key up and counts the access (hit or miss) in the frequency sketch. */
  get(key: K, hash: number): V | undefined {
    this.sketch.increment(hash);
    const node = this.nodes.get(key);
    if (!node) return undefined;
    this.touch(node);
    return node.value;
  }

  /**
   * Adds or replaces an entry. It enters the admission window; entries may be dropped (through `onRemove`) to keep
   * within the bounds, the new one included. Returns whether the new entry is held afterwards.
   */
  set(key: K, hash: number, value: V, weight: number): boolean {
    const old = this.nodes.get(key);
    if (old) this.detach(old);
    if (weight > this.maxWeight) {
      this.onRemove?.(key, value, 'rejected');
      return false;
    }
    const node = { key, value, hash, weight, segment: WINDOW } as Node<K, V>;
    this.nodes.set(key, node);
    this.segments[WINDOW].push(node);
    this.totalWeight += weight;
    while (this.segments[WINDOW].count > this.windowMax) {
      const candidate = this.segments[WINDOW].lru() as Node<K, V>;
      this.segments[WINDOW].unlink(candidate);
      this.admit(candidate);
    }
    while (this.totalWeight > this.maxWeight) this.evictOne();
    return this.nodes.get(key) === node;
  }

  delete(key: K): V | undefined {
    const node = this.nodes.get(key);
    if (!node) return undefined;
    this.detach(node);
    return node.value;
  }

  clear(): void {
    this.nodes.clear();
    for (const s of this.segments) {
      s.head.prev = s.head;
      s.head.next = s.head;
      s.count = 0;
    }
    this.totalWeight = 0;
    this.sketch.clear();
  }

  private touch(node: Node<K, V>): void {
    const from = this.segments[node.segment] as Segment<K, V>;
    from.unlink(node);
    if (node.segment === PROBATION) node.segment = PROTECTED;
    this.segments[node.segment]!.push(node);
    const protectedSegment = this.segments[PROTECTED];
    while (protectedSegment.count > this.protectedMax) {
      const demoted = protectedSegment.lru() as Node<K, V>;
      protectedSegment.unlink(demoted);
      demoted.segment = PROBATION;
      this.segments[PROBATION].push(demoted);
    }
  }

  /** A window candidate enters probation if there is room or it beats the main region's victim on frequency. */
  private admit(candidate: Node<K, V>): void {
    while (this.mainCount() >= this.mainMax) {
      const victim = this.mainVictim();
      if (!victim || this.sketch.frequency(candidate.hash) <= this.sketch.frequency(victim.hash)) {
        this.drop(candidate, 'rejected');
        return;
      }
      this.segments[victim.segment]!.unlink(victim);
      this.drop(victim, 'evicted');
    }
    candidate.segment = PROBATION;
    this.segments[PROBATION].push(candidate);
  }

  /** Over the weight bound: the window's oldest and the main victim duel; the less frequent one goes. */
  private evictOne(): void {
    const candidate = this.segments[WINDOW].lru();
    const victim = this.mainVictim();
    const loser = !victim || (candidate && this.sketch.frequency(candidate.hash) <= this.sketch.frequency(victim.hash)) ? candidate : victim;
    if (!loser) return;
    this.segments[loser.segment]!.unlink(loser);
    this.drop(loser, loser === candidate && victim ? 'rejected' : 'evicted');
  }

  private mainVictim(): Node<K, V> | undefined {
    return this.segments[PROBATION].lru() ?? this.segments[PROTECTED].lru();
  }

  private mainCount(): number {
    return this.segments[PROBATION].count + this.segments[PROTECTED].count;
  }

  /** Removes a node that is already unlinked from its segment. */
  private drop(node: Node<K, V>, why: Removal): void {
    this.nodes.delete(node.key);
    this.totalWeight -= node.weight;
    this.onRemove?.(node.key, node.value, why);
  }

  private detach(node: Node<K, V>): void {
    this.segments[node.segment]!.unlink(node);
    this.nodes.delete(node.key);
    this.totalWeight -= node.weight;
  }
}
