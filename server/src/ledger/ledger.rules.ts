import type { EntryInput, PostingInput } from './ledger';

/** Far above any real amount, far below BIGINT's limit even when summed over millions of entries. */
export const MAX_ENTRY_MINOR = 1_000_000_000_000_000n;

const CURRENCY = /^[A-Z]{3}$/;

/**
 * Why a set of entries cannot be posted, or null when it can: at least two entries, positive bounded
 * amounts, ISO currency codes, and debits equal to credits in every currency.
 */
export function postingProblem(entries: EntryInput[]): string | null {
  if (entries.length < 2) return 'a posting needs at least two entries';
  const diff = new Map<string, bigint>();
  for (const entry of entries) {
    if (typeof entry.amountMinor !== 'bigint' || entry.amountMinor <= 0n)
      return `entry amount must be a positive bigint (${entry.account.code})`;
    if (entry.amountMinor > MAX_ENTRY_MINOR) return `entry amount is out of range (${entry.account.code})`;
    if (!CURRENCY.test(entry.currency)) return `bad currency ${entry.currency}`;
    if (!entry.account.code) return 'entry without an account';
    const signed = entry.side === 'debit' ? entry.amountMinor : -entry.amountMinor;
    diff.set(entry.currency, (diff.get(entry.currency) ?? 0n) + signed);
  }
  for (const [currency, d] of diff) {
    if (d !== 0n) return `unbalanced in ${currency}: debits − credits = ${d}`;
  }
  return null;
}

/** Net per (account, currency) so each account row is updated once per posting. */
export function totalsByAccount(
  entries: EntryInput[],
): Map<string, { code: string; currency: string; partnerId?: string; debits: bigint; credits: bigint }> {
  const totals = new Map<
    string,
    { code: string; currency: string; partnerId?: string; debits: bigint; credits: bigint }
  >();
  for (const e of entries) {
    const key = `${e.account.code}\u0000${e.currency}`;
    const t = totals.get(key) ?? {
      code: e.account.code,
      currency: e.currency,
      partnerId: e.account.partnerId,
      debits: 0n,
      credits: 0n,
    };
    if (e.side === 'debit') t.debits += e.amountMinor;
    else t.credits += e.amountMinor;
    totals.set(key, t);
  }
  return totals;
}

/**
 * Where a set-based run (`postPairs`) puts each row's partner into the accounts its recipe names: the run calls
 * the recipe once with this as the partner, and the database writes each row's partner in its place
 * (`partnerInCode`). So the recipe stays the one place that says where the money goes. No id or code holds it.
 */
export const PARTNER_SLOT = '\u0001partner\u0001';

/** One side of a slotted two-entry posting: the account's code with `PARTNER_SLOT`, and whether it is the partner's. */
export interface SlottedSide {
  code: string;
  ofPartner: boolean;
}

/** The debit and credit sides of a two-entry posting that a recipe made with `PARTNER_SLOT` as its partner. */
export function slottedSides(posting: PostingInput): { debit: SlottedSide; credit: SlottedSide } {
  const [debit, credit] = posting.entries as [EntryInput, EntryInput];
  const side = (e: EntryInput) => ({ code: e.account.code, ofPartner: e.account.partnerId !== undefined });
  return { debit: side(debit), credit: side(credit) };
}
