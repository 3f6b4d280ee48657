// Loads and runs digits on WASM; the test serves this page and the worker with a strict CSP (no 'unsafe-eval').
import { createRuntime } from '../../../src/index.js';

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
try {
  const runtime = createRuntime({ backends: ['wasm'] });
  const digits = await runtime.load({ url: '/models/digits/model.onnx' });
  const result = await digits.run({ pixels: new Float32Array(784).fill(0.5) });
  document.body.dataset.result = String(result.outputs.probabilities!.data.length);
} catch (error) {
  document.body.dataset.error = `${(error as { code?: string }).code}: ${(error as Error).message}`;
}
document.body.dataset.violations = violations.join('\n');
document.body.dataset.ready = 'yes';
