import type { PostingKind } from './postings';

/** The chart of accounts is open: an account is a code plus a currency, created on first use. */
export interface AccountRef {
  /** e.g. `vendor:commission_expense`, `partner:ptn_…:payable`. */
  code: string;
  /** Set for a partner's own accounts, so its balances can be listed without parsing codes. */
  partnerId?: string;
}

export type Side = 'debit' | 'credit';

export interface EntryInput {
  account: AccountRef;
  side: Side;
  /** Positive minor units (kopecks); the direction is `side`. */
  amountMinor: bigint;
  currency: string;
}

export interface PostingInput {
  /** Unique key of the business event (e.g. `commission:com_…`, see postings.ts); a repeat writes nothing. */
  key: string;
  kind: PostingKind;
  /** Why the money moved: ids of the payment, refund, dispute… (no personal data). */
  reason: Record<string, unknown>;
  effectiveAt: Date;
  entries: EntryInput[];
}

export interface PostingResult {
  postingId: string;
  /** false when a posting with the same key already existed and nothing was written. */
  created: boolean;
}

export interface AccountBalance {
  code: string;
  currency: string;
  debitsMinor: bigint;
  creditsMinor: bigint;
}

export interface LedgerDiscrepancy {
  kind: 'cached_total_mismatch' | 'unbalanced_posting';
  detail: string;
}

/**
 * One two-entry posting as a row of a set the database writes (`postPairs`): the key, kind and reason of the
 * posting, and the account debited and the one credited with `amount_minor` (positive) in `currency`.
 */
export interface PairRow {
  posting_key: string;
  kind: PostingKind;
  reason: Record<string, unknown>;
  effective_at: Date;
  debit_code: string;
  debit_partner_id: string | null;
  credit_code: string;
  credit_partner_id: string | null;
  amount_minor: bigint;
  currency: string;
}
