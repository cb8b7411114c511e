import type { Db } from '../db/pool';
import { createId } from '../ids';
import type { AccountBalance, LedgerDiscrepancy, PostingInput, PostingResult } from './ledger';
import * as repo from './ledger.repository';
import { postingProblem, totalsByAccount } from './ledger.rules';

export class UnbalancedPostingError extends Error {}

/**
 * Writes one balanced posting in the caller's transaction, at most once per `key`. The caller owns the
 * transaction so the posting commits or rolls back together with the business change that caused it.
 */
export async function post(trx: Db, input: PostingInput): Promise<PostingResult> {
  const problem = postingProblem(input.entries);
  if (problem) throw new UnbalancedPostingError(`posting ${input.key} refused: ${problem}`);

  const postingId = await repo.insertPosting(trx, {
    id: createId('lpo'),
    key: input.key,
    kind: input.kind,
    reason: input.reason,
    effectiveAt: input.effectiveAt,
  });
  if (!postingId) {
    const existing = await repo.findPostingIdByKey(trx, input.key);
    return { postingId: existing!, created: false };
  }

  const totals = totalsByAccount(input.entries);
  const accountIds = await repo.lockAccounts(trx, [...totals.values()]);
  const idOf = (code: string, currency: string) => accountIds.get(`${code}\u0000${currency}`)!;
  await repo.insertEntries(
    trx,
    input.entries.map((e) => ({
      postingId,
      accountId: idOf(e.account.code, e.currency),
      side: e.side,
      amountMinor: e.amountMinor,
      currency: e.currency,
    })),
  );
  for (const t of totals.values()) await repo.addToTotals(trx, idOf(t.code, t.currency), t.debits, t.credits);
  return { postingId, created: true };
}

/** Cached totals of accounts (by code, or all of one partner's). Missing accounts are simply absent. */
export async function balances(
  db: Db,
  filter: { codes?: string[]; partnerId?: string },
): Promise<AccountBalance[]> {
  const rows = await repo.selectBalances(db, filter);
  return rows.map((r) => ({
    code: r.code,
    currency: r.currency,
    debitsMinor: r.debits_minor,
    creditsMinor: r.credits_minor,
  }));
}

/** Credit-normal balance (liabilities, income): credits − debits; 0 for an account never used. */
export function creditBalance(list: AccountBalance[], code: string, currency = 'RUB'): bigint {
  const a = list.find((b) => b.code === code && b.currency === currency);
  return a ? a.creditsMinor - a.debitsMinor : 0n;
}

/** Debit-normal balance (assets, expenses): debits − credits. */
export function debitBalance(list: AccountBalance[], code: string, currency = 'RUB'): bigint {
  return -creditBalance(list, code, currency);
}

/**
 * Recomputes every cached total from the entries and re-checks every posting's balance. An empty result
 * means the books are consistent; anything else is a bug to investigate, never to "fix" by editing rows.
 */
export async function checkLedger(db: Db): Promise<LedgerDiscrepancy[]> {
  const out: LedgerDiscrepancy[] = [];
  for (const m of await repo.selectTotalMismatches(db)) {
    out.push({
      kind: 'cached_total_mismatch',
      detail: `${m.code} ${m.currency}: cached ${m.debits_minor}/${m.credits_minor}, entries ${m.entry_debits}/${m.entry_credits}`,
    });
  }
  for (const p of await repo.selectUnbalancedPostings(db)) {
    out.push({
      kind: 'unbalanced_posting',
      detail: `${p.posting_id} ${p.currency}: debits − credits = ${p.diff}`,
    });
  }
  return out;
}
