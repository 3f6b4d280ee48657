// Ensembles in the worker: one message from the main thread runs every member, each through its model's queue like any
// run; their outputs never cross threads before they are combined. (Pipelines: pipeline-run.ts and pipeline-gate.ts.)
import type { Tensor } from '../tensor.js';
import type { RunReply } from '../rpc/protocol.js';

type Feeds = Record<string, Tensor>;
type Run = (handle: number, feeds: Feeds) => Promise<RunReply>;

export interface ComposedReply {
  outputs: Feeds;
  /** `session.run` time of each member, in order. */
  ms: number[];
}

/**
 * Runs every member on the same feeds and combines their outputs name by name: `mean` averages the values; `vote`
 * gives, for outputs with a class axis (last dimension ≥ 2), each class's share of the members' top-1 votes per row
 * (so its top class is the majority), and the mean for other outputs.
 */
export async function runEnsemble(handles: readonly number[], feeds: Feeds, combine: 'mean' | 'vote', run: Run): Promise<ComposedReply> {
  const replies: RunReply[] = [];
  for (const handle of handles) replies.push(await run(handle, feeds)); // one thread: in turn, no gain from overlap
  const outputs: Feeds = {};
  for (const [name, first] of Object.entries(replies[0]!.outputs)) {
    const all = replies.map((r) => Float64Array.from(r.outputs[name]!.data as ArrayLike<number>));
    const classes = first.dims.length >= 2 ? first.dims[first.dims.length - 1]! : 1;
    const data = new Float32Array(all[0]!.length);
    if (combine === 'vote' && classes >= 2) {
      for (const values of all) {
        for (let row = 0; row < data.length; row += classes) {
          let best = 0;
          for (let c = 1; c < classes; c++) if (values[row + c]! > values[row + best]!) best = c;
          data[row + best]! += 1 / all.length;
        }
      }
    } else {
      for (const values of all) for (let i = 0; i < data.length; i++) data[i]! += values[i]! / all.length;
    }
    Object.defineProperty(outputs, name, { value: { dtype: 'float32', dims: [...first.dims], data }, enumerable: true });
  }
  return { outputs, ms: replies.map((r) => r.inferenceMs) };
}
