// Unit suites need no server; integration suites each create their own database
// and Redis key prefix (see test/support), so both projects run in parallel.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      transform,
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      testTimeout: 60000,
    },
  ],
};
