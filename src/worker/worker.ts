// Worker entry: exposes the engine over comlink. Outputs go back as transferred buffers.
import { expose, transfer } from 'comlink';
import { wholeBuffers } from '../tensor.js';
import { Engine } from './engine.js';
import type { WorkerApi } from './protocol.js';
import { installErrorTransfer } from './transfer.js';

installErrorTransfer();
const engine = new Engine();

const api: WorkerApi = {
  init: async (config) => engine.init(config),
  load: (request) => engine.load(request),
  async run(handle, feeds) {
    const reply = await engine.run(handle, feeds);
    return transfer(reply, wholeBuffers(Object.values(reply.outputs)));
  },
  release: (handle) => engine.release(handle),
};

expose(api);
