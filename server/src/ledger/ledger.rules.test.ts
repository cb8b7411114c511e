import type { EntryInput } from './ledger';
import { MAX_ENTRY_MINOR, postingProblem, totalsByAccount } from './ledger.rules';

const e = (code: string, side: 'debit' | 'credit', amountMinor: bigint, currency = 'RUB'): EntryInput => ({
  account: { code },
  side,
  amountMinor,
  currency,
});

/**
 * A debit on `a` and a credit on `b` of one amount and currency: balanced, so only the amount or the currency
 * can make it wrong.
 */
const pair = (amountMinor: bigint, currency = 'RUB'): EntryInput[] => [
  e('a', 'debit', amountMinor, currency),
  e('b', 'credit', amountMinor, currency),
];

describe('posting rules', () => {
  it.each<[string, EntryInput[], string | null]>([
    ['a balanced pair is accepted', pair(480000n), null],
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
    ['a zero amount is refused', pair(0n), 'entry amount must be a positive bigint (a)'],
    ['a negative amount is refused', pair(-5n), 'entry amount must be a positive bigint (a)'],
    ['an absurd amount is refused', pair(MAX_ENTRY_MINOR + 1n), 'entry amount is out of range (a)'],
    [
      'balance is per currency',
      [e('a', 'debit', 100n, 'RUB'), e('b', 'credit', 100n, 'USD')],
      'unbalanced in RUB: debits − credits = 100',
    ],
    ['a bad currency code is refused', pair(100n, 'rub'), 'bad currency rub'],
    ['a longer code is refused', pair(1n, 'XRUB'), 'bad currency XRUB'],
    ['a code with a tail is refused', pair(1n, 'RUBX'), 'bad currency RUBX'],
    ['the largest amount is accepted', pair(MAX_ENTRY_MINOR), null],
    [
      'an entry without an account is refused',
      [e('', 'debit', 1n), e('b', 'credit', 1n)],
      'entry without an account',
    ],
    [
      // A number slipped in where a bigint belongs (from JSON, say) is refused, not coerced.
      'a number amount is refused',
      [{ ...e('a', 'debit', 1n), amountMinor: 1 as unknown as bigint }, e('b', 'credit', 1n)],
      'entry amount must be a positive bigint (a)',
    ],
  ])('%s', (_name, entries, problem) => {
    expect(postingProblem(entries)).toBe(problem);
  });
});

describe('totals by account', () => {
  it('nets debits and credits per account and currency', () => {
    const totals = totalsByAccount([
      { account: { code: 'p', partnerId: 'ptn_1' }, side: 'credit', amountMinor: 300n, currency: 'RUB' },
      e('v', 'debit', 500n),
      { account: { code: 'p', partnerId: 'ptn_1' }, side: 'credit', amountMinor: 200n, currency: 'RUB' },
      { account: { code: 'p', partnerId: 'ptn_1' }, side: 'debit', amountMinor: 50n, currency: 'RUB' },
      e('p', 'debit', 7n, 'USD'),
    ]);
    expect([...totals.values()]).toEqual([
      { code: 'p', currency: 'RUB', partnerId: 'ptn_1', debits: 50n, credits: 500n },
      { code: 'v', currency: 'RUB', partnerId: undefined, debits: 500n, credits: 0n },
      { code: 'p', currency: 'USD', partnerId: undefined, debits: 7n, credits: 0n },
    ]);
  });
});
