// Pipelines and ensembles in the worker: one message from the main thread runs every step (or member), each through
// its model's queue like any run; intermediate tensors never cross threads.
import type { Tensor } from '../tensor.js';
import type { RunReply } from '../rpc/protocol.js';

type Feeds = Record<string, Tensor>;
type Run = (handle: number, feeds: Feeds) => Promise<RunReply>;

/** A pipeline step: its model's handle and, per input, the previous step's output that feeds it. */
export interface ChainStep {
  handle: number;
  inputs: Record<string, string>;
}

export interface ComposedReply {
  outputs: Feeds;
  /** `session.run` time of each step (or member), in order. */
  ms: number[];
}

export async function runChain(steps: readonly ChainStep[], feeds: Feeds, run: Run): Promise<ComposedReply> {
  let current = feeds;
  const ms: number[] = [];
  for (const [i, step] of steps.entries()) {
    const next: Feeds = {};
    if (i === 0) Object.assign(next, current);
    else for (const [input, from] of Object.entries(step.inputs)) Object.defineProperty(next, input, { value: current[from], enumerable: true });
    const reply = await run(step.handle, next);
    ms.push(reply.inferenceMs);
    current = reply.outputs;
  }
  return { outputs: current, ms };
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
