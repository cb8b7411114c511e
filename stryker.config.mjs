// @ts-check
/**
 * Mutation testing of the rule modules (issue 17): `npm run mutate`. Each mutant is a small wrong change to
 * a rule (a flipped comparison, a dropped condition); a test must fail for it. Surviving mutants and why
 * they are equivalent or harmless are listed in docs/TESTING.md. Sized for a shared two-core machine:
 * per-test coverage, only the tests related to the mutated file, one or two runners.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { configFile: 'jest.mutate.config.js', enableFindRelatedTests: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    // money
    'shared/money.ts',
    'server/src/commissions/commission.rules.ts',
    // pinning
    'server/src/pins/pin.rules.ts',
    // ledger
    'server/src/ledger/ledger.rules.ts',
    // payout: the pure dates (programDate, scheduledPayoutDate); runPayouts is SQL, covered by test/db (docs/TESTING.md)
    'server/src/payouts/payout.rules.ts',
    // token
    'server/src/auth/amo-token.ts',
    // program rules (the reward engine)
    'server/src/programs/program.rules.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: 85 },
};
