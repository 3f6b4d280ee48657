import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { RunCoalescer, type CoalescerTransport } from '../../../src/serving/run-coalescer.js';
import type { Tensor } from '../../../src/tensor.js';
import { BufferPool } from '../../../src/rpc/buffer-pool.js';
import type { RunOutcome, RunReply } from '../../../src/rpc/protocol.js';

const feeds = (v: number): Record<string, Tensor> => ({ x: { dtype: 'float32', dims: [1, 2], data: Float32Array.of(v, v) } });
const copy = (f: Record<string, Tensor>) => new BufferPool().copyFeeds(f);
const reply = (v: number): RunReply => ({ outputs: { y: { dtype: 'float32', dims: [1], data: Float32Array.of(v) } }, inferenceMs: 1 });

function recorder(answer: (sent: Record<string, Tensor>[]) => RunOutcome[] = (sent) => sent.map((f) => ({ reply: reply(f.x!.data[0] as number) }))) {
  const calls: { kind: 'one' | 'many'; sent: Record<string, Tensor>[]; moved: ArrayBuffer[]; move?: true | 'own' }[] = [];
  const transport: CoalescerTransport = {
    one: async (f, _lone, move) => {
      calls.push({ kind: 'one', sent: [f], moved: [], move });
      return reply(f.x!.data[0] as number);
    },
    many: async (sent, moved) => {
      calls.push({ kind: 'many', sent, moved });
      return answer(sent);
    },
    copy,
  };
  return { calls, coalescer: new RunCoalescer(transport) };
}

describe('RunCoalescer', () => {
  test('a run is lone only while no other run of the model is in flight', async () => {
    const answers: (() => void)[] = [];
    const lone: boolean[] = [];
    const coalescer = new RunCoalescer({
      one: (f, isLone) => (lone.push(isLone), new Promise((resolve) => answers.push(() => resolve(reply(f.x!.data[0] as number))))),
      many: async () => [],
      copy,
    });
    const first = coalescer.post(feeds(1), false);
    await null;
    const second = coalescer.post(feeds(2), false); // sent while the first waits
    await null;
    answers.splice(0).forEach((answer) => answer());
    await Promise.all([first, second]);
    const third = coalescer.post(feeds(3), false); // a sequential caller again
    await null;
    answers.splice(0).forEach((answer) => answer());
    await third;
    expect(lone).toEqual([true, false, true]);
  });

  test('runs posted in the same task leave in one message, and each caller gets its own reply', async () => {
    const { calls, coalescer } = recorder();
    const wide = (v: number): Record<string, Tensor> => ({ x: { dtype: 'float32', dims: [1, 32], data: new Float32Array(32).fill(v) } });
    const replies = await Promise.all([1, 2, 3].map((v) => coalescer.post(wide(v), false)));
    expect(calls.map((c) => [c.kind, c.sent.length])).toEqual([['many', 3]]);
    expect(calls[0]!.moved).toHaveLength(3); // private copies, moved rather than cloned again
    expect(replies.map((r) => r.outputs.y!.data[0])).toEqual([1, 2, 3]);
  });

  test('private copies of 64 bytes or less are cloned, not moved; arrays the caller moves always are', async () => {
    const { calls, coalescer } = recorder();
    const moved = feeds(2);
    await Promise.all([coalescer.post(feeds(1), false), coalescer.post(moved, true)]);
    expect(calls[0]!.moved).toEqual([moved.x!.data.buffer]);
  });

  test('a lone run goes on its own, and runs of later tasks in later messages', async () => {
    const { calls, coalescer } = recorder();
    await coalescer.post(feeds(1), false);
    await Promise.all([coalescer.post(feeds(2), false), coalescer.post(feeds(3), false)]);
    expect(calls.map((c) => [c.kind, c.sent.length])).toEqual([['one', 1], ['many', 2]]);
    await coalescer.post(feeds(4), true);
    expect(calls.map((c) => c.move)).toEqual(['own', undefined, true]); // a private copy, or the caller's own arrays
  });

  test('flush sends what is waiting at once, and the later microtask sends nothing more', async () => {
    const { calls, coalescer } = recorder();
    const pending = [coalescer.post(feeds(1), false), coalescer.post(feeds(2), false)];
    coalescer.flush();
    expect(calls).toHaveLength(1);
    await Promise.all(pending);
    expect(calls).toHaveLength(1);
  });

  test('a full batch leaves at once, so the worker can start on it while more runs are issued', async () => {
    const calls: number[] = [];
    const coalescer = new RunCoalescer({ one: async (f) => reply(f.x!.data[0] as number), many: async (sent) => (calls.push(sent.length), sent.map(() => ({ reply: reply(0) }))), copy }, 4);
    const pending = Array.from({ length: 10 }, (_, i) => coalescer.post(feeds(i), false));
    expect(calls).toEqual([4, 4]);
    await Promise.all(pending);
    expect(calls).toEqual([4, 4, 2]);
  });

  test('inputs are copied when posted, so the caller may reuse its arrays at once; moved inputs are not copied', async () => {
    const { calls, coalescer } = recorder();
    const mine = feeds(5);
    const moved = feeds(6);
    const pending = [coalescer.post(mine, false), coalescer.post(moved, true)];
    (mine.x!.data as Float32Array).fill(0);
    await Promise.all(pending);
    expect([...calls[0]!.sent[0]!.x!.data]).toEqual([5, 5]);
    expect(calls[0]!.sent[1]!.x!.data).toBe(moved.x!.data);
  });

  test('one failed run fails alone with its typed error', async () => {
    const { coalescer } = recorder((sent) =>
      sent.map((f, i) => (i === 1 ? { error: { code: 'input-shape', message: 'bad rows', details: {} } } : { reply: reply(f.x!.data[0] as number) })),
    );
    const settled = await Promise.allSettled([1, 2, 3].map((v) => coalescer.post(feeds(v), false)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (settled[1] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(EdgeInferError);
    expect((error as EdgeInferError).code).toBe('input-shape');
  });

  test('a transport that fails, or throws before returning a promise, rejects every run in the message', async () => {
    const crashed = new EdgeInferError('worker-crashed', 'gone');
    for (const fail of [async () => Promise.reject(crashed), () => { throw crashed; }]) {
      const coalescer = new RunCoalescer({ one: fail as CoalescerTransport['one'], many: fail as CoalescerTransport['many'], copy });
      const settled = await Promise.allSettled([coalescer.post(feeds(1), false), coalescer.post(feeds(2), false)]);
      expect(settled.map((s) => (s as PromiseRejectedResult).reason)).toEqual([crashed, crashed]);
      await expect(coalescer.post(feeds(3), false)).rejects.toBe(crashed);
    }
  });
});
