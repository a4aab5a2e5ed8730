// `pnpm test:chaos`: the fault-injection suite (see test/chaos/README.md). Each file starts
// private PostgreSQL and Redis servers and real api/worker processes, so files run one at
// a time; the root config leaves this folder out of `pnpm test`.
const path = require('node:path');

module.exports = {
  rootDir: path.join(__dirname, '..', '..'),
  displayName: 'chaos',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  globalSetup: '<rootDir>/test/chaos/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/chaos/support/global-teardown.ts',
  testTimeout: 180_000,
  maxWorkers: 1,
};
