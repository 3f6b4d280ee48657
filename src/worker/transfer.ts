import { transferHandlers, type TransferHandler } from 'comlink';
import { EdgeInferError, reviveError, type SerializedError } from '../errors.js';

type Thrown = { value: unknown };
type Wire = { edge: SerializedError } | { error: { message: string; name: string } } | { other: unknown };

/**
 * Comlink's default 'throw' handler keeps only message/name/stack (comlink#594), so error codes would be lost
 * crossing the worker boundary. This one keeps `code` and `details`. Installed on both sides.
 */
export function installErrorTransfer(): void {
  const builtin = transferHandlers.get('throw');
  if (!builtin || (builtin as { edgeInfer?: true }).edgeInfer) return;
  const handler: TransferHandler<Thrown, Wire> & { edgeInfer: true } = {
    edgeInfer: true,
    canHandle: (value): value is Thrown => builtin.canHandle(value),
    serialize({ value }) {
      if (value instanceof EdgeInferError) return [{ edge: value.toJSON() }, []];
      if (value instanceof Error) return [{ error: { message: value.message, name: value.name } }, []];
      return [{ other: value }, []];
    },
    deserialize(wire) {
      if ('edge' in wire) throw reviveError(wire.edge);
      if ('error' in wire) throw reviveError(new Error(wire.error.message));
      throw wire.other;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
