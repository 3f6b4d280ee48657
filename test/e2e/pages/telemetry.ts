// Records telemetry for the dev receiver without loading a model: ?service=NAME&before=N&after=M records N
// inferences, exports them, then records M more that only the page's closing can send.
import { createTelemetry } from '../../../src/telemetry/index.js';

const params = new URLSearchParams(location.search);
const model = { id: 'digits', version: '1.0.0', backend: 'wasm' as const };
const telemetry = createTelemetry({ endpoint: location.origin, serviceName: params.get('service') ?? 'e2e', intervalMs: 3_600_000 });

for (let i = 0; i < Number(params.get('before') ?? 0); i++) telemetry.recordInference(model, 1 + (i % 5));
await telemetry.flush();
for (let i = 0; i < Number(params.get('after') ?? 0); i++) telemetry.recordInference(model, 1 + (i % 5));
telemetry.recordError({ code: 'inference-failed', message: 'closing mid-batch' }, model);
document.body.dataset.session = telemetry.sessionId;
document.body.dataset.ready = 'yes';
