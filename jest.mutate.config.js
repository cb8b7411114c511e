/**
 * The Jest run Stryker uses (`npm run mutate`): the unit tests next to the pure rule modules only. They need
 * no database, so this config has no globalSetup — starting PostgreSQL for each of hundreds of mutants would
 * make the run impractical on two cores. The database-level guarantees of the same rules (payout query,
 * ledger trigger) are covered by test/db and were checked by hand-applied mutants (docs/TESTING.md).
 */
const base = require('./jest.config.js');

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  roots: ['<rootDir>/server', '<rootDir>/shared'],
  // The unit tests of the mutated modules (stryker.config.mjs), and only those: the rest need a database,
  // a browser or an ESM worker that this plain config does not set up.
  testMatch: [
    '**/server/src/commissions/commission.rules.test.ts',
    '**/server/src/pins/pin.rules.test.ts',
    '**/server/src/ledger/ledger.rules.test.ts',
    '**/server/src/payouts/payout.rules.test.ts',
    '**/server/src/auth/amo-token.test.ts',
    '**/server/src/programs/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
};
