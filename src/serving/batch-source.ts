// A batch job's source read a batch at a time: an array by index (its length is the job's total), any other
// iterable or async iterable through its iterator, which is closed (`return()`) when the job stops early.
import { EdgeInferError, shown } from '../errors.js';

export class SourceReader {
  /** Items in the source when it is an array; undefined otherwise. */
  readonly total: number | undefined;
  private readonly array: readonly unknown[] | undefined;
  private readonly iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  private index = 0;
  private ended = false;

  /** Fails with `options-invalid` unless `source` is an array, an iterable or an async iterable (never a string). */
  constructor(source: unknown) {
    const invalid = (why: string, cause?: unknown) =>
      new EdgeInferError('options-invalid', `runBatch(): source must be an array, an iterable or an async iterable of feeds; ${why}`, { option: 'source' }, cause === undefined ? undefined : { cause });
    if (typeof source !== 'object' || source === null) throw invalid(`got ${shown(source)}`);
    if (Array.isArray(source)) {
      this.array = source;
      this.total = source.length;
      return;
    }
    let iterator: unknown;
    try {
      const asyncIterate = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
      const iterate = (source as Partial<Iterable<unknown>>)[Symbol.iterator];
      if (typeof asyncIterate === 'function') iterator = asyncIterate.call(source);
      else if (typeof iterate === 'function') iterator = iterate.call(source);
      else throw invalid(`got ${shown(source)} that is neither`);
    } catch (error) {
      if (error instanceof EdgeInferError) throw error;
      throw invalid(`opening its iterator threw: ${error instanceof Error ? error.message : shown(error)}`, error);
    }
    if (typeof (iterator as Partial<Iterator<unknown>> | null)?.next !== 'function') throw invalid('its iterator has no next()');
    this.iterator = iterator as Iterator<unknown>;
  }

  /** Up to `n` next items; fewer only at the end of the source. */
  async take(n: number): Promise<unknown[]> {
    const items: unknown[] = [];
    if (this.array) {
      const end = Math.min(this.array.length, this.index + n);
      for (let i = this.index; i < end; i++) items.push(this.array[i]);
      this.index = end;
      return items;
    }
    while (items.length < n && !this.ended) {
      const item = await this.next();
      if (this.ended) break;
      items.push(item);
    }
    return items;
  }

  /** Reads past up to `n` items; how many there were. */
  async skip(n: number): Promise<number> {
    const start = this.index;
    if (this.array) this.index = Math.min(this.array.length, this.index + n);
    else while (this.index - start < n && !this.ended) await this.next();
    return this.index - start;
  }

  /** Lets a generator clean up (its `finally` blocks) when the job stops before the end. */
  close(): void {
    if (!this.iterator || this.ended) return;
    this.ended = true;
    try {
      const closing = this.iterator.return?.();
      if (closing instanceof Promise) closing.catch(() => undefined);
    } catch {
      // the source's own problem: the job's outcome is already decided
    }
  }

  private async next(): Promise<unknown> {
    let result: IteratorResult<unknown>;
    try {
      result = await this.iterator!.next();
    } catch (error) {
      this.ended = true; // a throwing iterator is finished
      throw new EdgeInferError('input-invalid', `runBatch(): reading item ${this.index} from the source threw: ${error instanceof Error ? error.message : shown(error)}`, {
        item: this.index, reason: 'source-failed',
      }, { cause: error });
    }
    if (typeof result !== 'object' || result === null) {
      this.ended = true;
      throw new EdgeInferError('input-invalid', `runBatch(): the source's iterator returned ${shown(result)} for item ${this.index}, not an iterator result`, { item: this.index, reason: 'source-failed' });
    }
    if (result.done) {
      this.ended = true;
      return undefined;
    }
    this.index++;
    return result.value;
  }
}
