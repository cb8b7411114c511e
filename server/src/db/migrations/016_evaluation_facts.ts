// Purpose: the reward engine's one read per payment (`evaluationFacts`) as a PL/pgSQL function. The query is a
// few index look-ups that run in ~0.1 ms, but planning its CTE and sub-selects took ~0.35 ms on every call
// (measured with EXPLAIN ANALYZE in `npm run bench`): most of the engine's share of a payment. A PL/pgSQL
// function keeps the plan of its statement for the connection's life, so a payment pays for execution only.
// To change the query, replace the function in a new migration (CREATE OR REPLACE) and keep
// `program.repository.ts` › `evaluationFacts` in step.
import { sql, type Kysely } from 'kysely';

/**
 * The function as this migration made it, or (`ownOrdersOnly`, migration 023) counting in a partner's level only
 * the orders attributed to it, not its referrers' shares of its downline's orders. Only SQL fragments are
 * interpolated, never parameters: the body is a string constant to PostgreSQL.
 */
export function evaluationFactsFunction(ownOrdersOnly: boolean) {
  return sql`
    CREATE OR REPLACE FUNCTION program_evaluation_facts(
      p_client bigint, p_partner text, p_channel text, p_at timestamptz, p_level boolean, p_history boolean
    ) RETURNS TABLE (
      partner_id text, kind text, status text, contract_signed_at timestamptz, account_id bigint,
      email text, phone text, since timestamptz, override_bps integer, level_measure integer,
      client_paid_before integer
    ) LANGUAGE plpgsql STABLE AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH pin AS (
        SELECT pn.partner_id, pn.valid_from FROM pins pn
        WHERE pn.client_account_id = p_client AND pn.status IN ('pinned', 'attributed', 'released', 'transferred')
          AND pn.valid_from <= p_at AND (pn.valid_to IS NULL OR pn.valid_to > p_at)
        ORDER BY pn.valid_from DESC LIMIT 1
      ), who AS (
        SELECT p.*, (SELECT pin.valid_from FROM pin WHERE pin.partner_id = p.id) AS since FROM partners p
        WHERE p.id = coalesce(p_partner, (SELECT pin.partner_id FROM pin))
      )
      SELECT who.id, who.kind::text, who.status::text, who.contract_signed_at, who.account_id,
             who.contacts->>'email', who.contacts->>'phone', who.since,
             (SELECT r.rate_bps FROM rate_schedules r
               WHERE r.partner_id = who.id AND r.channel = p_channel AND r.effective_from <= p_at
               ORDER BY r.effective_from DESC LIMIT 1)::integer,
             CASE WHEN p_level THEN (SELECT count(*)::int FROM commissions c
               WHERE c.partner_id = who.id AND c.accrued_at < p_at ${ownOrdersOnly ? sql`AND c.upline_depth IS NULL` : sql``}
                 AND c.reversed_minor < c.commission_minor) ELSE 0 END,
             CASE WHEN p_history THEN (SELECT count(*)::int FROM payments pay
               WHERE pay.client_account_id = p_client AND pay.paid_at < p_at) ELSE 0 END
      FROM (SELECT 1) one LEFT JOIN who ON true;
    END
    $$;
  `;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await evaluationFactsFunction(false).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION program_evaluation_facts`.execute(db);
}
