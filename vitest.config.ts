import { defineConfig } from 'vitest/config';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Every core: vitest's default leaves one idle (a single worker on CI's two cores).
          maxWorkers: '100%',
          // One module graph per worker, not per file (no test mocks modules): each file no
          // longer loads the SDK and src/ afresh.
          isolate: false,
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // moto servers started once for the run (as many as files at once), each file
          // leasing one and resetting it first.
          globalSetup: ['test/integration/harness/global-moto.ts'],
          setupFiles: ['test/integration/harness/reset-moto.ts'],
          maxWorkers: 2,
          // As unit's: files share a worker's modules; each still leases and resets its own moto.
          isolate: false,
          // After the unit tests, as a group of its own with its own worker count.
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
