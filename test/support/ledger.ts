import { sql } from 'kysely';
import type { Db } from '../../server/src/db/pool';
import type { PostingInput } from '../../server/src/ledger/ledger';

/** A posting as the ledger holds it: key, kind, reason, date, and its entries with their accounts, in order. */
export interface WrittenPosting {
  posting_key: string;
  kind: string;
  reason: Record<string, unknown>;
  effective_at: Date;
  entries: Array<{
    code: string;
    partner_id: string | null;
    side: string;
    amount_minor: number;
    currency: string;
  }>;
}

/** The postings of one kind in the ledger, by key: to hold a set-based writer to the recipe it stands for. */
export async function writtenPostings(db: Db, kind: string): Promise<WrittenPosting[]> {
  const { rows } = await sql<WrittenPosting>`
    SELECT p.posting_key, p.kind, p.reason, p.effective_at,
           (SELECT jsonb_agg(jsonb_build_object('code', a.code, 'partner_id', a.partner_id, 'side', e.side,
                                                'amount_minor', e.amount_minor, 'currency', e.currency)
                             ORDER BY e.id)
              FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE e.posting_id = p.id) AS entries
      FROM ledger_postings p WHERE p.kind = ${kind} ORDER BY p.posting_key`.execute(db);
  return rows;
}

/** What a recipe's postings look like once written (`writtenPostings`), in key order. */
export function asWritten(postings: PostingInput[]): WrittenPosting[] {
  return [...postings]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((p) => ({
      posting_key: p.key,
      kind: p.kind,
      reason: p.reason as Record<string, unknown>,
      effective_at: p.effectiveAt,
      entries: p.entries.map((e) => ({
        code: e.account.code,
        partner_id: e.account.partnerId ?? null,
        side: e.side,
        amount_minor: Number(e.amountMinor),
        currency: e.currency,
      })),
    }));
}
