import { defineConfig } from 'vitest/config';

// Unit and contract tests live beside the code; end-to-end suites start real processes and
// PostgreSQL clusters, so they get long timeouts and run one file at a time on small machines;
// the Docker suites too, on a running engine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'test/src/**/*.test.ts'],
          // generous: the sanitizer's suites build and sanitize generated databases, which takes
          // over a minute on a busy 2-core machine (a timeout there is not a failure of the code)
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Processes killed and restarted mid-clone (SIGKILL of agents and controllers, a second
          // controller): what an operator sees after each kind of kill.
          name: 'faults',
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The dashboard in Debian's chromium (playwright-core) against the e2e harness; needs
          // chromium (scripts/setup.sh) and the built dashboard (pnpm build).
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The Docker suites: an engine and the test images (scripts/docker/*.sh) or they skip.
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          testTimeout: 400_000,
          hookTimeout: 400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
