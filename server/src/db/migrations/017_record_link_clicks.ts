// Purpose: the click batcher's one statement (`link.repository.ts` › `recordClicks`) as a PL/pgSQL function.
// Like the reward engine's facts (migration 016), the statement was planned again on every call (the driver
// sends unnamed statements); a function keeps its plan for the connection's life. Each click is decided on its
// own: inserted only when the program in force at its time attributes by link, the code exists and its
// partner is not blocked. Rows come back in the input's order. To change it, replace the function in a new
// migration and keep `recordClicks` in step.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION record_link_clicks(p_codes text[], p_visitors text[], p_ats timestamptz[])
    RETURNS TABLE (n bigint, attribution jsonb, link_exists boolean) LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH input AS (
        SELECT * FROM unnest(p_codes, p_visitors, p_ats) WITH ORDINALITY AS i(code, visitor_id, at, n)
      ), resolved AS (
        SELECT i.n, i.code, i.visitor_id, i.at, l.partner_id, p.status, program.attribution
          FROM input i
          LEFT JOIN partner_links l ON l.code = i.code
          LEFT JOIN partners p ON p.id = l.partner_id
          LEFT JOIN LATERAL (
            SELECT v.document->'attribution' AS attribution FROM program_versions v
             WHERE v.effective_from <= i.at ORDER BY v.effective_from DESC, v.version DESC LIMIT 1
          ) program ON true
      ), ins AS (
        INSERT INTO link_clicks (link_code, partner_id, visitor_id, clicked_at)
        SELECT r.code, r.partner_id, r.visitor_id, r.at FROM resolved r
         WHERE r.attribution->>'via' = 'link' AND r.partner_id IS NOT NULL AND r.status <> 'blocked'
         ORDER BY r.n
      )
      SELECT r.n, r.attribution, r.partner_id IS NOT NULL FROM resolved r ORDER BY r.n;
    END
    $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION record_link_clicks`.execute(db);
}
