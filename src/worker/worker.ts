// Worker entry: exposes the engine over comlink, and answers runs (arrays) beside it. Outputs go back as transferred buffers.
import { expose } from 'comlink';
import { Engine } from './engine.js';
import { runEnsemble } from './compose.js';
import { runPipeline } from './pipeline-run.js';
import { GatedStream } from './pipeline-gate.js';
import type { WorkerApi } from '../rpc/protocol.js';
import { withPlainErrors } from '../rpc/wire.js';
import { postNote, serveRuns } from '../rpc/run-port.js';

const engine = new Engine();
// Before expose(): runs (arrays) must not reach comlink's listener.
serveRuns(self, engine);
engine.postNote = (event) => postNote(self, event);
const run = (handle: number, feeds: Parameters<Engine['run']>[1]) => engine.run(handle, feeds);

const api: WorkerApi = withPlainErrors({
  init: async (config) => engine.init(config),
  ping: async () => undefined,
  prepare: (backends, softwareGpu, onEvent) => engine.prepare(backends, softwareGpu, onEvent),
  load: (request, onEvent) => engine.load(request, onEvent),
  abort: async (requestId) => engine.abort(requestId),
  storageList: () => engine.storage.list(),
  storageUsage: () => engine.storage.usage(),
  storageDelete: (id) => engine.storage.delete(id),
  storageClear: () => engine.storage.clear(),
  release: (handle) => engine.release(handle),
  rolloutState: async (handle) => engine.rolloutState(handle),
  predict: (handle, input, options) => engine.predict(handle, input, options),
  streamOpen: async (handle, sampleRate) => engine.streamOpen(handle, sampleRate),
  runPipeline: (steps, input) => runPipeline(steps, input, run),
  pipelineOpen: async (gate, steps, sampleRate) => {
    const handles = [gate.handle, ...steps.flatMap((s) => (s.kind === 'model' ? [s.handle] : []))];
    return engine.pipelines.add(handles, new GatedStream(gate, steps, sampleRate, run));
  },
  pipelinePush: (id, pcm) => engine.pipelines.push(id, pcm),
  pipelineReset: (id) => engine.pipelines.reset(id),
  pipelineClose: async (id) => engine.pipelines.close(id),
  runEnsemble: (handles, feeds, combine) => runEnsemble(handles, feeds, combine, run),
  streamPush: (id, pcm) => engine.streams.push(id, pcm),
  streamReset: (id) => engine.streams.reset(id),
  streamClose: async (id) => engine.streams.close(id),
} satisfies WorkerApi);

expose(api);
