// Unit suites need no server; integration suites each create their own database
// and Redis key prefix (see test/support), so both projects run in parallel.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  // jose ships ES modules only, which jest (before Node 24.9) cannot require: compile them too
  '/jose/dist/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(\\.pnpm/jose@[^/]+/node_modules/)?jose/)'];

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
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      testTimeout: 60000,
    },
  ],
};
