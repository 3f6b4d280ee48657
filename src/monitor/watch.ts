// Connects a monitored model's load reply to the main-thread parts: its drift monitor (fed by the windows the worker
// posts on the run port) and the runtime's outcome tracking.
import type { ModelWatch } from '../model.js';
import type { LoadReply, WindowEvent } from '../rpc/protocol.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { ModelMonitor } from './monitor.js';
import type { Outcomes } from './outcomes.js';

export function watchModel(
  id: string,
  reply: LoadReply,
  windows: Map<number, (event: WindowEvent) => void>,
  outcomes: () => Outcomes,
  telemetry: Telemetry,
  /** The model once made: after a rollback its version and arm are stable's, and drift windows say so. */
  current: () => Pick<LoadReply, 'version' | 'assignment'> | undefined,
): ModelWatch | undefined {
  const m = reply.monitor;
  if (!m) return undefined;
  // Outcomes are scored per model file, under the version and arm that file was loaded as.
  const model = { id, version: reply.version, sha256: reply.sha256, assignment: reply.assignment };
  const live = {
    id,
    get version() {
      return (current() ?? reply).version;
    },
    get assignment() {
      return (current() ?? reply).assignment;
    },
  };
  if ('off' in m) return { monitor: new ModelMonitor(undefined, 0, live, telemetry, m.off) };
  const tracked = outcomes();
  const monitor = new ModelMonitor(m.profile, m.windowSize, live, telemetry, undefined, () => tracked.quality(model));
  windows.set(reply.handle, (event) => monitor.receive(event.window));
  return { monitor, track: tracked.tracker(model, m.profile, m.windowSize) };
}
