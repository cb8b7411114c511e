// Purpose: the lean single payment's one read (`commission.repository.ts` › `singlePaymentRead`, issue 16) as a
// PL/pgSQL function. The read is three index look-ups that execute in ~0.2 ms, but planning the statement that
// joined them took ~0.5 ms on every payment (EXPLAIN ANALYZE, docs/BENCHMARKS.md): PostgreSQL plans a statement
// sent as text each time it comes. A PL/pgSQL function keeps the plan of its statement for the connection's
// life, so a payment pays for the execution only. It answers what the batch's queries answer for one payment:
// `program.repository.ts` › `pinEvaluationFactsQuery` (the pin earning on the date and its partner),
// `findVersionHeadInForce` and `commission.repository.ts` › `recordedPaymentsQuery`; test/api/payment-lean.test.ts
// holds its answers to theirs and compares the books the lean path writes with the transactional path's. To
// change it, replace the function in a new migration (CREATE OR REPLACE) and keep those queries in step.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION single_payment_read(
      p_external_id text, p_client bigint, p_channel text, p_at timestamptz, p_history boolean
    ) RETURNS TABLE (
      pin_id text, pin_partner_id text, valid_from timestamptz,
      partner_id text, kind text, status text, contract_signed_at timestamptz, account_id bigint,
      email text, phone text, override_bps integer, level_measure integer, client_paid_before integer,
      head_version integer, head_from timestamptz, head_digest text,
      recorded_id text, recorded_hash text, recorded_partner_id text, recorded_rate_bps integer,
      recorded_commission_minor bigint, recorded_payable boolean, recorded_reason text
    ) LANGUAGE plpgsql STABLE AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      SELECT pin.id, pin.partner_id, pin.valid_from,
             p.id, p.kind::text, p.status::text, p.contract_signed_at, p.account_id,
             p.contacts->>'email', p.contacts->>'phone',
             (SELECT r.rate_bps FROM rate_schedules r
               WHERE r.partner_id = p.id AND r.channel = p_channel AND r.effective_from <= p_at
               ORDER BY r.effective_from DESC LIMIT 1)::integer,
             0,
             CASE WHEN p_history THEN (SELECT count(*)::int FROM payments pay
               WHERE pay.client_account_id = p_client AND pay.paid_at < p_at) ELSE 0 END,
             h.version, h.effective_from, h.digest,
             rec.id, rec.request_hash, rec.partner_id, rec.rate_bps, rec.commission_minor, rec.payable, rec.reason
        FROM (SELECT 1) one
        LEFT JOIN LATERAL (
          SELECT pn.id, pn.partner_id, pn.valid_from FROM pins pn
           WHERE pn.client_account_id = p_client AND pn.status IN ('pinned', 'attributed', 'released', 'transferred')
             AND pn.valid_from <= p_at AND (pn.valid_to IS NULL OR pn.valid_to > p_at)
           ORDER BY pn.valid_from DESC LIMIT 1
        ) pin ON true
        LEFT JOIN partners p ON p.id = pin.partner_id
        LEFT JOIN LATERAL (
          SELECT v.version, v.effective_from, md5(v.document::text) AS digest FROM program_versions v
           WHERE v.effective_from <= p_at
           ORDER BY v.effective_from DESC, v.version DESC LIMIT 1
        ) h ON true
        LEFT JOIN LATERAL (
          SELECT pay.id, pay.request_hash, c.partner_id, c.rate_bps, c.commission_minor, c.payable, c.reason
            FROM payments pay
            LEFT JOIN commissions c ON c.payment_id = pay.id AND c.upline_depth IS NULL
           WHERE pay.external_id = p_external_id
        ) rec ON true;
    END
    $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION single_payment_read`.execute(db);
}
