import type { RawBuilder } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { createId } from '../ids';
import type { AccountBalance, LedgerDiscrepancy, PairRow, PostingInput, PostingResult } from './ledger';
import * as repo from './ledger.repository';
import { postingProblem, totalsByAccount } from './ledger.rules';

// A set-based run's postings (`postPairs`): its recipe called once with the slot, each row's partner filled in.
export { PARTNER_SLOT, slottedSides, type SlottedSide } from './ledger.rules';
export { partnerInCode } from './ledger.repository';

export class UnbalancedPostingError extends Error {}

/**
 * Writes one balanced posting in the caller's transaction, at most once per `key`. The caller owns the
 * transaction so the posting commits or rolls back together with the business change that caused it.
 */
export async function post(trx: Tx, input: PostingInput): Promise<PostingResult> {
  return (await postMany(trx, [input]))[0]!;
}

/**
 * Writes many balanced postings at once (a payout run's thousands of reward postings), with the same
 * guarantees as `post`: each is refused unless balanced, written at most once per key, and the touched
 * accounts are locked in id order and their cached totals updated in the same transaction.
 */
export async function postMany(trx: Tx, inputs: PostingInput[]): Promise<PostingResult[]> {
  refuseBadPostings(inputs);
  if (inputs.length === 0) return [];

  const withIds = inputs.map((input) => ({ input, id: createId('lpo') }));
  const inserted = await repo.insertPostings(
    trx,
    withIds.map(({ input, id }) => ({
      id,
      key: input.key,
      kind: input.kind,
      reason: input.reason,
      effectiveAt: input.effectiveAt,
    })),
  );
  const fresh = withIds.filter(({ input }) => inserted.has(input.key));
  const existing = await repo.findPostingIdsByKeys(
    trx,
    inputs.filter((i) => !inserted.has(i.key)).map((i) => i.key),
  );

  if (fresh.length) {
    const totals = totalsByAccount(fresh.flatMap(({ input }) => input.entries));
    const accountIds = await repo.lockAccounts(trx, [...totals.values()]);
    const idOf = (code: string, currency: string) => accountIds.get(`${code}\u0000${currency}`)!;
    await repo.insertEntries(
      trx,
      fresh.flatMap(({ input, id }) =>
        input.entries.map((e) => ({
          postingId: id,
          accountId: idOf(e.account.code, e.currency),
          side: e.side,
          amountMinor: e.amountMinor,
          currency: e.currency,
        })),
      ),
    );
    await repo.addToTotals(
      trx,
      [...totals.values()].map((t) => ({
        accountId: idOf(t.code, t.currency),
        debits: t.debits,
        credits: t.credits,
      })),
    );
  }
  const freshIds = new Map(fresh.map((f) => [f.input.key, f.id]));
  return inputs.map((input) =>
    inserted.has(input.key)
      ? { postingId: freshIds.get(input.key)!, created: true }
      : { postingId: existing.get(input.key)!, created: false },
  );
}

/** Throws unless every posting balances and no key repeats among them. */
function refuseBadPostings(inputs: PostingInput[]): void {
  for (const input of inputs) {
    const problem = postingProblem(input.entries);
    if (problem) throw new UnbalancedPostingError(`posting ${input.key} refused: ${problem}`);
  }
  if (new Set(inputs.map((i) => i.key)).size !== inputs.length)
    throw new UnbalancedPostingError('duplicate posting keys in one batch');
}

/**
 * `postMany` for postings of new keys (a new commission's) as parts of one larger statement that writes a whole
 * business change at once: the common table expressions `ledger_posting`, `ledger_account` and `ledger_entry`,
 * which write only when `when` holds. The same checks, rows and account totals as `postMany`; the statement runs
 * on its own, atomically, so a single payment needs no BEGIN and COMMIT around it. Non-empty `inputs` only.
 */
export function postingsStatementParts(
  inputs: PostingInput[],
  when: RawBuilder<boolean>,
): RawBuilder<unknown> {
  refuseBadPostings(inputs);
  if (inputs.length === 0) throw new UnbalancedPostingError('no postings for the statement');
  const withIds = inputs.map((input) => ({ ...input, id: createId('lpo') }));
  return repo.postingsWriteParts(
    withIds,
    withIds.flatMap((p) =>
      p.entries.map((e) => ({
        postingId: p.id,
        code: e.account.code,
        side: e.side,
        amountMinor: e.amountMinor,
        currency: e.currency,
      })),
    ),
    [...totalsByAccount(withIds.flatMap((p) => p.entries)).values()].map((t) => ({
      ...t,
      partnerId: t.partnerId ?? null,
    })),
    when,
  );
}

/**
 * Writes a set of two-entry postings that a query describes (`PairRow`s: a set-based run's postings, which the
 * database works out from rows it holds), with the guarantees of `postMany` — each refused unless its amount is
 * positive, written at most once per key, the touched accounts locked in id order and their cached totals updated
 * in the same transaction — and without a row per posting coming into Node. Returns how many postings were new.
 */
export async function postPairs(trx: Tx, source: RawBuilder<PairRow>): Promise<number> {
  const staged = await repo.stagePairs(trx, source);
  if (staged.refused > 0)
    throw new UnbalancedPostingError(`${staged.refused} postings refused: amounts must be positive`);
  if (staged.keys !== staged.postings)
    throw new UnbalancedPostingError('duplicate posting keys in one batch');
  await repo.lockPairAccounts(trx);
  return repo.writePairs(trx);
}

/** Cached totals of accounts (by code, or all of one partner's). Missing accounts are simply absent. */
export async function balances(
  db: Db,
  filter: { codes?: string[]; partnerId?: string },
): Promise<AccountBalance[]> {
  return (await repo.selectBalances(db, filter)).map(toBalance);
}

/**
 * One partner's account totals, locked until the transaction ends: a figure read here stays true while the
 * caller posts against it (a forfeit moves exactly the balance it read).
 */
export async function lockedPartnerBalances(trx: Tx, partnerId: string): Promise<AccountBalance[]> {
  return (await repo.lockPartnerAccounts(trx, partnerId)).map(toBalance);
}

function toBalance(r: {
  code: string;
  currency: string;
  debits_minor: bigint;
  credits_minor: bigint;
}): AccountBalance {
  return { code: r.code, currency: r.currency, debitsMinor: r.debits_minor, creditsMinor: r.credits_minor };
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
