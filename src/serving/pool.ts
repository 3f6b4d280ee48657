// The runtime's workers and where each model runs. A model is placed on one worker, or replicated to every worker
// (`workers` > 1, see Runtime.load); each call goes to the replica whose worker has the fewest calls in flight. A
// worker that dies is replaced at once and the replicated models it held are loaded again there, so only the calls it
// was answering fail. Models whose state lives in their worker (monitor windows, rollout guardrails) stay on one.
import { EdgeInferError } from '../errors.js';
import type { WorkerClient } from '../rpc/client.js';
import type { WorkerEnv } from '../rpc/protocol.js';

/** One worker slot. Its worker is replaced after a crash; `generation` tells its sessions from those of the last one. */
export class Lane {
  client: WorkerClient | undefined;
  ready: Promise<WorkerEnv> | undefined;
  generation = 0;
  /** Calls in flight on this worker (counted only when there are several). */
  busy = 0;

  constructor(readonly index: number) {}

  get alive(): boolean {
    return this.client?.alive === true;
  }
}

/** One session of a model: in which lane's worker, of which generation, under which handle. */
export interface Replica {
  readonly lane: Lane;
  readonly generation: number;
  readonly handle: number;
}

export interface PoolHooks {
  /** Gives a lane a new worker: sets its `client` and `ready`. */
  start(lane: Lane): void;
  /** Releases a session nobody holds any more. */
  release(replica: Replica): void;
  /** A model could not be loaded again on a new worker (it keeps its other replicas). */
  lost(error: unknown): void;
}

interface Placement {
  replicas: Replica[];
  /** Loads the model again on a lane whose worker was replaced; absent for a model placed on one worker. */
  restore?: (lane: Lane) => Promise<Replica>;
}

export class Pool {
  readonly lanes: readonly Lane[];
  private readonly placements = new Map<number, Placement>();
  private nextId = 1;

  constructor(size: number, private readonly hooks: PoolHooks) {
    this.lanes = Array.from({ length: size }, (_, i) => new Lane(i));
  }

  get size(): number {
    return this.lanes.length;
  }

  /** The lane's live worker, started if it has none. */
  connect(lane: Lane): WorkerClient {
    if (!lane.alive) {
      lane.generation++;
      this.hooks.start(lane);
    }
    return lane.client!;
  }

  /** The lane with the fewest calls in flight, preferring live workers (the first lane when there is one). */
  quietest(): Lane {
    let best = this.lanes[0]!;
    for (const lane of this.lanes) if ((lane.alive && !best.alive) || (lane.alive === best.alive && lane.busy < best.busy)) best = lane;
    return best;
  }

  /** Registers a loaded model; its id is what the Model holds as its handle. */
  place(replicas: Replica[], restore?: Placement['restore']): number {
    const id = this.nextId++;
    this.placements.set(id, { replicas, ...(restore ? { restore } : {}) });
    return id;
  }

  /** Adds a replica loaded after the first; false when the model is gone. */
  add(id: number, replica: Replica): boolean {
    const placement = this.placements.get(id);
    placement?.replicas.push(replica);
    return placement !== undefined;
  }

  /** Forgets a model; its replicas, for releasing in their workers. */
  remove(id: number): Replica[] {
    const placement = this.placements.get(id);
    this.placements.delete(id);
    return placement?.replicas ?? [];
  }

  replicas(id: number): readonly Replica[] {
    return (this.placements.get(id)?.replicas ?? []).filter(live);
  }

  /** The live replica on the least busy worker; `worker-crashed` when none is left. */
  pick(id: number): Replica {
    const replicas = this.placements.get(id)?.replicas;
    let best: Replica | undefined;
    if (replicas) for (const r of replicas) if (live(r) && (!best || r.lane.busy < best.lane.busy)) best = r;
    if (!best) throw new EdgeInferError('worker-crashed', 'the worker that held this model stopped; load the model again');
    return best;
  }

  /**
   * A worker that holds all these models, the least busy one, and their handles there (composed models run in one
   * worker). Models placed on one worker are in the first, so any set of live models has one.
   */
  together(ids: readonly number[]): { lane: Lane; handles: number[] } {
    const lanes = [...this.lanes].sort((a, b) => a.busy - b.busy);
    for (const lane of lanes) {
      const handles = ids.map((id) => this.placements.get(id)?.replicas.find((r) => r.lane === lane && live(r))?.handle);
      if (handles.every((h) => h !== undefined)) return { lane, handles: handles as number[] };
    }
    throw new EdgeInferError('worker-crashed', 'the worker that held these models stopped; load them again');
  }

  /** Counts a call against its lane while it is in flight (only worth it with several lanes). */
  track<T>(lane: Lane, call: Promise<T>): Promise<T> {
    if (this.lanes.length === 1) return call;
    lane.busy++;
    return call.then(
      (value) => (lane.busy--, value),
      (error: unknown) => {
        lane.busy--;
        throw error;
      },
    );
  }

  /** A lane's worker died: start a new one and load the replicated models it held again. */
  crashed(lane: Lane): void {
    lane.busy = 0;
    const restores: (() => Promise<void>)[] = [];
    for (const [id, placement] of this.placements) {
      if (!placement.restore || !placement.replicas.some((r) => r.lane === lane)) continue;
      placement.replicas = placement.replicas.filter((r) => r.lane !== lane);
      const restore = placement.restore;
      restores.push(async () => {
        const replica = await restore(lane);
        if (this.placements.get(id) === placement) placement.replicas.push(replica);
        else this.hooks.release(replica); // disposed while it loaded
      });
    }
    // One at a time: they share the new worker, whose first load also starts onnxruntime-web.
    void restores.reduce((done, next) => done.then(next).catch(this.hooks.lost), Promise.resolve());
  }
}

function live(replica: Replica): boolean {
  return replica.lane.alive && replica.lane.generation === replica.generation;
}
