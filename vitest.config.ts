import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@semper/source` export condition,
// so tests never run against a stale build.
const conditions = ['@semper/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@semper/source'] } },
  test: {
    setupFiles: ['./test/setup/reflect.ts'],
    testTimeout: 60_000,
    // vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine, where much of a
    // test file's time is spent waiting on child processes, openssl and databases. One per CPU.
    maxWorkers: Math.max(2, availableParallelism()),
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.services.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['packages/*/src/**/*.services.test.ts', 'test/**/*.services.test.ts'],
          globalSetup: ['./test/setup/services.global.ts'],
          // One server per run; suites that share it run one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
