// A second version run beside the served one: the rollout's shadow, or stable as the reference a variant's
// `minAgreement` guardrail compares with. A sampled run's inputs and outputs are copied before its reply leaves (both
// move to the main thread with it); the second run happens later, one at a time, only while the served session has
// nothing queued, so a served run waits for at most one second run. Its outputs never leave the worker.
import { setOwn } from '../own.js';
import type { Tensor, TypedArray } from '../tensor.js';
import { compareOutputs } from './agreement.js';
import { channelScheduler } from './batcher.js';
import { runOn, type Opened } from './session.js';

type Feeds = Record<string, Tensor>;

/** One second run: its time and how it compared, or its error code. */
export interface SecondResult {
  version: string;
  role: 'shadow' | 'reference';
  ms?: number;
  agree?: boolean;
  maxAbsDiff?: number;
  error?: string;
}

export interface SecondReport {
  version: string;
  role: 'shadow' | 'reference';
  /** Whether its session is loaded; runs sampled before that are skipped. */
  ready: boolean;
  runs: number;
  agreed: number;
  errors: number;
  /** Sampled runs not run: the session was not ready, or too many were waiting. */
  skipped: number;
  p50Ms?: number;
  p95Ms?: number;
  /** Largest |served − second| seen. */
  maxAbsDiff: number;
}

/** Sampled runs waiting beyond this are skipped: a second version must not pile up work or memory. */
const MAX_WAITING = 4;
/** Run times kept for the report's percentiles. */
const KEEP_TIMES = 512;

export class SecondRun {
  private opened: Pick<Opened<unknown>, 'session' | 'ort'> | undefined;
  private readonly waiting: { inputs: Feeds; outputs: Feeds }[] = [];
  private running = false;
  private closed = false;
  private readonly times: number[] = [];
  private runs = 0;
  private agreed = 0;
  private errors = 0;
  private skipped = 0;
  private maxAbsDiff = 0;

  constructor(
    readonly version: string,
    readonly role: 'shadow' | 'reference',
    private readonly id: string,
    private readonly rate: number,
    private readonly tolerance: number,
    /** The served session: whether runs are queued or gathering for it, and a promise of its queue's end. */
    private readonly served: { busy(): boolean; settled(): Promise<unknown> },
    private readonly onResult: (result: SecondResult) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** The loaded session of the second version; until then sampled runs are skipped. */
  ready(opened: Pick<Opened<unknown>, 'session' | 'ort'>): void {
    if (this.closed) void opened.session.release();
    else this.opened = opened;
  }

  /** Before the reply leaves: copies a sampled run. */
  capture(inputs: Feeds, outputs: Feeds): void {
    if (this.closed || (this.rate < 1 && this.random() >= this.rate)) return;
    if (!this.opened || this.waiting.length >= MAX_WAITING) {
      this.skipped++;
      return;
    }
    this.waiting.push({ inputs: copy(inputs), outputs: copy(outputs) });
  }

  /** After the reply left: starts the waiting runs. */
  drain(): void {
    if (!this.running && this.waiting.length > 0) void this.pump();
  }

  report(): SecondReport {
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    return {
      version: this.version, role: this.role, ready: this.opened !== undefined, runs: this.runs, agreed: this.agreed,
      errors: this.errors, skipped: this.skipped, maxAbsDiff: this.maxAbsDiff,
      ...(sorted.length > 0 ? { p50Ms: at(0.5)!, p95Ms: at(0.95)! } : {}),
    };
  }

  /** Stops sampling and releases the session once a run in progress is done. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    while (this.running) await this.served.settled().then(pause);
    const opened = this.opened;
    this.opened = undefined;
    await opened?.session.release();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0 && !this.closed) {
        await this.served.settled();
        await pause(); // lets runs already posted to the worker reach the served session first
        if (this.closed || this.served.busy()) continue;
        const { inputs, outputs } = this.waiting.shift()!;
        await this.runOne(inputs, outputs);
      }
    } finally {
      this.running = false;
    }
  }

  private async runOne(inputs: Feeds, served: Feeds): Promise<void> {
    const start = performance.now();
    let result: SecondResult;
    try {
      const outputs = await runOn(this.opened!, this.id, inputs);
      const ms = performance.now() - start;
      const { agree, maxAbsDiff } = compareOutputs(served, outputs, this.tolerance);
      this.runs++;
      if (agree) this.agreed++;
      if (maxAbsDiff > this.maxAbsDiff) this.maxAbsDiff = maxAbsDiff;
      if (this.times.length >= KEEP_TIMES) this.times.shift();
      this.times.push(ms);
      result = { version: this.version, role: this.role, ms, agree, maxAbsDiff };
    } catch (error) {
      this.errors++;
      result = { version: this.version, role: this.role, error: (error as { code?: string }).code ?? 'inference-failed' };
    }
    this.onResult(result);
  }
}

function copy(feeds: Feeds): Feeds {
  const out: Feeds = {};
  for (const [name, t] of Object.entries(feeds)) setOwn<Tensor>(out, name, { dtype: t.dtype, dims: [...t.dims], data: (t.data as TypedArray).slice() });
  return out;
}

let scheduler: ReturnType<typeof channelScheduler> | undefined;

/** One macrotask: a message already posted to the worker is handled before it. */
function pause(): Promise<void> {
  scheduler ??= channelScheduler();
  return new Promise((resolve) => scheduler!.tick(resolve));
}
