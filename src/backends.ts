/** The execution backends the SDK can run a model on, in one list (also `auto`'s order of preference on ties). */
export const BACKENDS = ['webgpu', 'webnn', 'wasm'] as const;

export type Backend = (typeof BACKENDS)[number];

export function isBackend(value: unknown): value is Backend {
  return (BACKENDS as readonly unknown[]).includes(value);
}

/** `'webgpu' | 'webnn' | 'wasm'`, for messages that say what was expected. */
export const BACKEND_LIST = /* @__PURE__ */ BACKENDS.map((b) => `'${b}'`).join(' | ');
