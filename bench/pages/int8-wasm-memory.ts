// Keeps every WebAssembly.Memory the page creates, so the int8 bench can read onnxruntime-web's heap. Import it
// before onnxruntime-web runs anything: its Emscripten module makes its (shared) Memory in JS at the first session
// and imports it into the wasm instance. The wrapper returns the real Memory; nothing else changes.
const memories: WebAssembly.Memory[] = [];
const Original = WebAssembly.Memory;
const Wrapped = function Memory(descriptor: WebAssembly.MemoryDescriptor) {
  const memory = new Original(descriptor);
  memories.push(memory);
  return memory;
} as unknown as typeof WebAssembly.Memory;
Wrapped.prototype = Original.prototype;
WebAssembly.Memory = Wrapped;

/**
 * Makes onnxruntime-web instantiate `module` (compiled once by the page and posted to each worker) instead of
 * compiling its 27 MB wasm again: only the compile is skipped; the instance, its Memory and everything after are
 * onnxruntime-web's own.
 */
export function useCompiledModule(module: WebAssembly.Module): void {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  const withModule = async (imports?: WebAssembly.Imports) => ({ module, instance: await instantiate(module, imports) });
  WebAssembly.instantiateStreaming = (_source, imports) => withModule(imports);
  WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports) =>
    source instanceof WebAssembly.Module ? instantiate(source, imports) : withModule(imports)) as typeof WebAssembly.instantiate;
}

export interface HeapStats {
  /** The linear memory's size: what the page has reserved for the heap. It only grows. */
  heapBytes: number;
  /** 4 KiB pages holding any non-zero byte: pages the heap has written to (fresh pages are zero), a resident-size proxy. */
  usedBytes: number;
}

const PAGE = 4096;

/** Stats of the largest Memory created so far (onnxruntime-web's heap), or undefined before it exists. */
export function heapStats(): HeapStats | undefined {
  const memory = memories.reduce<WebAssembly.Memory | undefined>((a, m) => (!a || m.buffer.byteLength > a.buffer.byteLength ? m : a), undefined);
  if (!memory) return undefined;
  const buffer = memory.buffer;
  const words = new Uint32Array(buffer);
  const perPage = PAGE / 4;
  let used = 0;
  for (let start = 0; start < words.length; start += perPage) {
    const end = Math.min(words.length, start + perPage);
    for (let i = start; i < end; i++) {
      if (words[i] !== 0) {
        used++;
        break;
      }
    }
  }
  return { heapBytes: buffer.byteLength, usedBytes: used * PAGE };
}
