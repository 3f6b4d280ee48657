import { expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { resolveTelemetryOptions, TELEMETRY_DEFAULTS } from '../../../src/telemetry/options.js';

test('off without an endpoint or an exporter', () => {
  expect(resolveTelemetryOptions(undefined)).toBeUndefined();
  expect(resolveTelemetryOptions({ serviceName: 'app' })).toBeUndefined();
});

test('defaults, and the endpoint resolved against the page without a trailing slash', () => {
  const resolved = resolveTelemetryOptions({ endpoint: '/otel/', serviceName: 'my-app', serviceVersion: '1.4.0' }, 'https://app.example.com/page')!;
  expect(resolved).toMatchObject({
    endpoint: 'https://app.example.com/otel',
    resource: { 'service.name': 'my-app', 'service.version': '1.4.0' },
    intervalMs: 10_000,
    maxBatchBytes: 61_440,
    maxSeries: 100,
    maxLogs: 100,
    maxQueue: 20,
    retries: 4,
    retryDelayMs: 1000,
    timeoutMs: 10_000,
    outbox: { maxBatches: 100, dbName: 'edge-infer-telemetry' },
    sampleRate: 1,
  });
  expect(resolveTelemetryOptions({ endpoint: 'https://c.example.com' })!.resource).toEqual({ 'service.name': 'unknown_service' });
  expect(Object.isFrozen(TELEMETRY_DEFAULTS)).toBe(true);
  expect(Object.isFrozen(resolved)).toBe(true);
});

test.each([
  ['not an object', 'on'],
  ['an endpoint that is no URL', { endpoint: 'http://' }],
  ['a non-function exporter', { exporter: 'fetch' }],
  ['headers that are not strings', { endpoint: 'https://c', headers: { a: 1 } }],
  ['an empty serviceName', { endpoint: 'https://c', serviceName: '' }],
  ['an object resource attribute', { endpoint: 'https://c', resourceAttributes: { a: {} } }],
  ['a zero interval', { endpoint: 'https://c', intervalMs: 0 }],
  ['a zero timeout', { endpoint: 'https://c', timeoutMs: 0 }],
  ['a batch over 60 KiB', { endpoint: 'https://c', maxBatchBytes: 70_000 }],
  ['fractional series', { endpoint: 'https://c', maxSeries: 1.5 }],
  ['an outbox that is true', { endpoint: 'https://c', outbox: true }],
  ['a zero-sized outbox', { endpoint: 'https://c', outbox: { maxBatches: 0 } }],
  ['a sample rate of 0', { endpoint: 'https://c', sampleRate: 0 }],
  ['a sample rate above 1', { endpoint: 'https://c', sampleRate: 2 }],
])('%s → options-invalid', (_, options) => {
  let error: unknown;
  try {
    resolveTelemetryOptions(options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EdgeInferError);
  expect((error as EdgeInferError).code).toBe('options-invalid');
});
