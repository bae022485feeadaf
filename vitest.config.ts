import { defineConfig } from 'vitest/config';

// One runner for unit, service and integration tests. Integration tests (*.int.test.ts)
// use the real PostgreSQL and NATS when DATABASE_URL / NATS_URL are set, and the
// embedded stack (PGlite, in-process bus) otherwise.
export default defineConfig({
  test: {
    include: [
      'libs/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'test-harness/src/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
