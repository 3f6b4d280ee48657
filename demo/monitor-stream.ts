// Streams a bundled model's held-out data through model.run() one row at a time, with a shift that can change while it
// runs, and reports each row's true outcome with runtime.recordOutcome(). Each start gets a fresh runtime, so its
// drift windows and outcome quality start from nothing at the chosen window size. With `split`, two runtimes stand
// for two devices in the arms of a rollout (monitor-split.ts) and the rows alternate between them.
import { createRuntime, type Model, type Runtime } from '../src/index.js';
import type { OutcomeStatus } from '../src/index.js';
import { heldOut, type HeldOutStream } from './held-out.js';
import { makeSplit, type Split } from './monitor-split.js';
import { mulberry32, type Shift, type ShiftModel } from './shifts.js';

export interface StreamSettings {
  model: ShiftModel;
  windowSize: number;
  /** 0: as fast as the model answers. */
  rowsPerSecond: number;
  /** Split the rows between a stable and a variant device. */
  split?: boolean;
}

interface Device {
  runtime: Runtime;
  model: Model;
}

/** Read before every row, so the page can change it while the stream runs. */
export interface LiveShift {
  shift: Shift | undefined;
  strength: number;
}

export interface StreamState {
  phase: 'loading' | 'running' | 'stopped' | 'error';
  message: string;
  rows: number;
  /** Rows per pass over the held-out data. */
  passRows: number;
  outcome: string;
  /** Joined, missed and rejected outcomes, and rows whose outcome was not reported (no label, or no prediction id). */
  outcomes: Record<OutcomeStatus, number> & { unlabelled: number; rejected: number };
  /** Load warnings (such as `monitor-off`). */
  warnings: string[];
  backend?: string;
  /** The model the page draws: the only one, or the stable device's. */
  model?: Model;
}

export class MonitorStream {
  readonly state: StreamState = {
    phase: 'loading', message: 'loading…', rows: 0, passRows: 0, outcome: '', warnings: [],
    outcomes: { joined: 0, unknown: 0, expired: 0, duplicate: 0, unlabelled: 0, rejected: 0 },
  };
  private runtimes: Runtime[] = [];
  private split: Split | undefined;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: StreamSettings,
    private readonly live: LiveShift,
    /** Called after every row and on every phase change; the page throttles its drawing itself. */
    private readonly changed: () => void,
  ) {}

  start(): void {
    this.done = this.run().catch((error: unknown) => {
      this.state.phase = 'error';
      this.state.message = `${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`;
      this.changed();
    });
  }

  /** Stops after the row in flight; resolves once the runtime is disposed (its last telemetry sent). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    await Promise.all(this.runtimes.map((r) => r.dispose()));
    this.runtimes = [];
    this.split?.dispose();
  }

  private async run(): Promise<void> {
    const { model: id, windowSize } = this.settings;
    const data = await heldOut(id);
    const split = (this.split = this.settings.split ? await makeSplit(id) : undefined);
    const devices: Device[] = [];
    for (const device of split?.devices ?? [undefined]) {
      const runtime = createRuntime({
        manifest: split?.manifest ?? '/models/manifest.json',
        ...(device ? { storage: { dbName: device.dbName } } : {}),
        telemetry: { endpoint: location.origin, serviceName: 'edge-infer-monitor-demo', intervalMs: 2000 },
      });
      this.runtimes.push(runtime);
      const model = await runtime.load(id, {
        ...(device ? { unitId: device.unitId } : {}),
        // No output cache: a cached answer never reaches the worker, so its row would be left out of the drift windows.
        cache: false,
        monitor: { profile: 'manifest', windowSize },
        ...(data.probe ? { probeFeeds: data.probe() } : {}),
        onProgress: (e) => void (e.type === 'warning' && this.state.warnings.push(e.message)),
      });
      if (device && model.assignment?.arm !== device.arm) throw new Error(`unit ${device.unitId} landed in ${model.assignment?.arm}, not ${device.arm}`);
      devices.push({ runtime, model });
    }
    const models = devices.map((d) => d.model);
    const message = split ? `streaming, rows alternate between ${models.map((m) => `${m.version} (${m.assignment?.arm})`).join(' and ')}; charts follow the first` : 'streaming';
    Object.assign(this.state, { model: models[0], backend: models[0]!.backend, passRows: data.length, outcome: data.outcome, phase: 'running', message });
    this.changed();
    await this.loop(devices, data);
    this.state.phase = 'stopped';
    this.state.message = 'stopped';
    this.changed();
  }

  private async loop(devices: readonly Device[], data: HeldOutStream): Promise<void> {
    const random = mulberry32(0x5eed);
    const started = performance.now();
    const { rowsPerSecond } = this.settings;
    while (!this.stopped) {
      const row = data.next(this.live.shift, this.live.strength, random);
      const { runtime, model } = devices[this.state.rows % devices.length]!;
      const result = await model.run(row.feeds as never);
      data.after?.(result.outputs);
      this.state.rows++;
      const outcomes = this.state.outcomes;
      if (row.truth === undefined || result.predictionId === undefined) outcomes.unlabelled++;
      else {
        try {
          outcomes[await runtime.recordOutcome(result.predictionId, row.truth)]++;
        } catch {
          outcomes.rejected++; // an outcome that does not fit what the monitor scores (input-invalid)
        }
      }
      this.changed();
      const due = rowsPerSecond > 0 ? started + (this.state.rows * 1000) / rowsPerSecond - performance.now() : 0;
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      else if (this.state.rows % 64 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // let the page draw
    }
  }
}
