import { expect } from 'vitest';
import { EdgeInferError } from '../../src/errors.js';

/** The `code` of the EdgeInferError that `fn` throws, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeInferError);
    return (error as EdgeInferError).code;
  }
  return undefined;
}
