// Errors cross the worker boundary as plain data. Comlink's own 'throw' handler keeps only message, name and stack
// of an Error (comlink#594) and is global, so rather than replace it (a host app's comlink calls would change too),
// the worker throws a plain SerializedError, which comlink passes through as a value, and the client revives it
// (`reviveError` in rpc/client.ts).
import { EdgeInferError, toEdgeInferError, type SerializedError } from '../errors.js';

type Api = Record<string, (...args: never[]) => Promise<unknown>>;

/** Worker side: every method of `api` rejects with a SerializedError instead of an Error. */
export function withPlainErrors<T extends Api>(api: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(api)) {
    wrapped[name] = async (...args) => {
      try {
        return await method(...args);
      } catch (error) {
        throw toWire(error);
      }
    };
  }
  return wrapped as T;
}

function toWire(error: unknown): SerializedError {
  return (error instanceof EdgeInferError ? error : toEdgeInferError(error, 'inference-failed', 'the worker failed')).toJSON();
}
