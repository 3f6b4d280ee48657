import fc from 'fast-check';
import { expect, test } from 'vitest';
import { validateFeeds, type ValueInfo } from '../../../src/tensor.js';
import { build, check, planArb, signatureArb } from './feed-cases.js';
import { fuzzParams } from './runs.js';

const params = fuzzParams(300);
const timeout = Math.max(10_000, params.numRuns * 10); // npm run fuzz runs many more cases

test('validateFeeds on arbitrary feeds: an input-* EdgeInferError, or tensors that fit the signature', { timeout }, () => {
  const cases = signatureArb.chain((inputs) => fc.tuple(fc.constant(inputs), planArb(inputs)));
  fc.assert(fc.property(cases, ([inputs, plan]) => check(inputs, build(inputs, plan))), params);
});

test('unmutated feeds for arbitrary signatures pass unless a shape cannot be inferred', { timeout }, () => {
  const cases = signatureArb.chain((inputs) => fc.tuple(fc.constant(inputs), planArb(inputs, 0)));
  fc.assert(
    fc.property(cases, ([inputs, plan]) => {
      const built = build(inputs, plan);
      const inferable = plan.inputs.every((p, i) => {
        const dims = inputs[i]!.dims;
        const free = dims?.filter((d) => typeof d === 'string').length ?? 0;
        return !p.bare || !dims || free === 0 || (free === 1 && !dims.includes(0));
      });
      const valid = plan.container === 'plain' || ['null-proto', 'proxy', 'symbol-key', 'getters'].includes(plan.container);
      if (inferable && valid) expect(() => validateFeeds('m', inputs, built.feeds)).not.toThrow();
      check(inputs, build(inputs, plan));
    }),
    params,
  );
});

test('arbitrary values of any type never escape as anything but input-* errors', { timeout }, () => {
  const inputs: ValueInfo[] = [{ name: 'x', dtype: 'float32', dims: ['batch', 2] }];
  fc.assert(
    fc.property(fc.anything({ withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBigInt: true, withMap: true }), (value) => {
      check(inputs, { feeds: value, expected: new Map(), reads: new Map() });
      check(inputs, { feeds: { x: value }, expected: new Map(), reads: new Map() });
      check(inputs, { feeds: { x: { data: new Float32Array(2), dims: value } }, expected: new Map(), reads: new Map() });
    }),
    params,
  );
});
