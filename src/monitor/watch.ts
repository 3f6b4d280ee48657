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
): ModelWatch | undefined {
  const m = reply.monitor;
  if (!m) return undefined;
  const model = { id, version: reply.version, sha256: reply.sha256 };
  if ('off' in m) return { monitor: new ModelMonitor(undefined, 0, model, telemetry, m.off) };
  const tracked = outcomes();
  const monitor = new ModelMonitor(m.profile, m.windowSize, model, telemetry, undefined, () => tracked.quality(model));
  windows.set(reply.handle, (event) => monitor.receive(event.window));
  return { monitor, track: tracked.tracker(model, m.profile, m.windowSize) };
}
