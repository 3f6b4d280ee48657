import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from './test/chromium.js';
import { faultyServer } from './test/server/faulty.js';
import { otlpChaos } from './test/server/otlp-chaos.js';
import { otlpTestReceiver } from './test/server/otlp-receiver.js';
import viteConfig from './vite.config.js';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      // Fuzz counts reach the browser project too (npm run fuzz sets FUZZ_RUNS).
      env: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? '' },
      projects: [
        { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
        {
          extends: true,
          plugins: [faultyServer(), otlpTestReceiver(), otlpChaos()],
          test: {
            name: 'browser',
            include: ['test/browser/**/*.test.ts'],
            testTimeout: 60_000,
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) } }),
              instances: [{ browser: 'chromium' }],
            },
          },
        },
        {
          extends: true,
          // After the browser tests, not beside them: e2e files start their own Chromium and dev server (the lab
          // measures for minutes), which would starve the browser tests' timing checks on a small CI machine.
          test: {
            name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000,
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  }),
);
