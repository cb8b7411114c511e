import type { EntryInput } from './ledger';
import { MAX_ENTRY_MINOR, postingProblem } from './ledger.rules';

const e = (code: string, side: 'debit' | 'credit', amountMinor: bigint, currency = 'RUB'): EntryInput => ({
  account: { code },
  side,
  amountMinor,
  currency,
});

describe('posting rules', () => {
  it.each<[string, EntryInput[], string | null]>([
    ['a balanced pair is accepted', [e('a', 'debit', 480000n), e('b', 'credit', 480000n)], null],
    [
      'a balanced split is accepted',
      [e('a', 'debit', 1200000n), e('b', 'credit', 600000n), e('c', 'credit', 600000n)],
      null,
    ],
    [
      'an unbalanced pair is refused',
      [e('a', 'debit', 480000n), e('b', 'credit', 479999n)],
      'unbalanced in RUB: debits − credits = 1',
    ],
    [
      // More credits than debits is as wrong as fewer: a `d > 0n` check would let it through (issue 17).
      'credits above debits are refused',
      [e('a', 'debit', 479999n), e('b', 'credit', 480000n)],
      'unbalanced in RUB: debits − credits = -1',
    ],
    ['a single entry is refused', [e('a', 'debit', 1n)], 'a posting needs at least two entries'],
    [
      'a zero amount is refused',
      [e('a', 'debit', 0n), e('b', 'credit', 0n)],
      'entry amount must be a positive bigint (a)',
    ],
    [
      'a negative amount is refused',
      [e('a', 'debit', -5n), e('b', 'credit', -5n)],
      'entry amount must be a positive bigint (a)',
    ],
    [
      'an absurd amount is refused',
      [e('a', 'debit', MAX_ENTRY_MINOR + 1n), e('b', 'credit', MAX_ENTRY_MINOR + 1n)],
      'entry amount is out of range (a)',
    ],
    [
      'balance is per currency',
      [e('a', 'debit', 100n, 'RUB'), e('b', 'credit', 100n, 'USD')],
      'unbalanced in RUB: debits − credits = 100',
    ],
    [
      'a bad currency code is refused',
      [e('a', 'debit', 100n, 'rub'), e('b', 'credit', 100n, 'rub')],
      'bad currency rub',
    ],
  ])('%s', (_name, entries, problem) => {
    expect(postingProblem(entries)).toBe(problem);
  });
});
