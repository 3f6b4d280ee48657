// Worker entry: exposes the engine over comlink. Outputs go back as transferred buffers.
import { expose, transfer } from 'comlink';
import { wholeBuffers } from '../tensor.js';
import { Engine } from './engine.js';
import type { WorkerApi } from '../rpc/protocol.js';
import { withPlainErrors } from '../rpc/wire.js';

const engine = new Engine();

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
  async run(handle, feeds, batching) {
    const reply = await engine.run(handle, feeds, batching);
    return transfer(reply, wholeBuffers(Object.values(reply.outputs)));
  },
  async runMany(handle, requests, batching) {
    const outcomes = await engine.runMany(handle, requests, batching);
    return transfer(outcomes, wholeBuffers(outcomes.flatMap((o) => ('reply' in o ? Object.values(o.reply.outputs) : []))));
  },
  release: (handle) => engine.release(handle),
} satisfies WorkerApi);

expose(api);
