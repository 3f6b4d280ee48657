/**
 * Sets `record[key]` as an own property. Tensor names come from the model, and a plain assignment to a name such
 * as `__proto__` would change the object's prototype instead of adding an entry.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
