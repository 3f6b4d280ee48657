// Allocating an ArrayBuffer of a few KB took ~20 µs in Chromium 156 here, more than a small model's whole run, while
// copying 3 KB into an existing one took 0.2 µs. So input copies go into buffers the worker hands back after each run.
import type { Tensor, TypedArray } from '../tensor.js';
import { setOwn } from '../own.js';

type ArrayOf = new (buffer: ArrayBuffer) => TypedArray;

/** Free input buffers by byte length, bounded in count per length and in total bytes. */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 8 * 2 ** 20,
    private readonly perLength = 16,
  ) {}

  /** Keeps buffers the worker returned (detached or tiny ones are dropped: V8 keeps arrays of ≤ 64 bytes on its heap). */
  give(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      const length = buffer.byteLength;
      if (length <= 64 || this.bytes + length > this.maxBytes) continue;
      let list = this.free.get(length);
      if (!list) this.free.set(length, (list = []));
      if (list.length >= this.perLength) continue;
      list.push(buffer);
      this.bytes += length;
    }
  }

  /** A private copy of `data`, in a returned buffer when one of its length is free. */
  copy<T extends TypedArray>(data: T): T {
    const buffer = this.free.get(data.byteLength)?.pop();
    if (!buffer) return data.slice() as T;
    this.bytes -= buffer.byteLength;
    const copy = new (data.constructor as ArrayOf)(buffer) as T;
    (copy as { set(source: T): void }).set(data);
    return copy;
  }

  /** Copies every feed, so the caller may reuse its arrays and the copies can move to the worker. */
  copyFeeds(feeds: Record<string, Tensor>): Record<string, Tensor> {
    const copy: Record<string, Tensor> = {};
    for (const name in feeds) {
      const t = feeds[name]!;
      setOwn(copy, name, { dtype: t.dtype, dims: t.dims, data: this.copy(t.data) });
    }
    return copy;
  }
}
