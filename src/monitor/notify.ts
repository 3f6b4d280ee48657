/** Calls each listener with `value`; one that throws surfaces as an uncaught error (the app's bug), the others still run. */
export function notify<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
