/** Tests run the TypeScript sources through swc; CLI tests run the built bin (see test/global-setup.js). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // Compiling and importing under every CPython takes a while per case.
  testTimeout: 300000,
};
