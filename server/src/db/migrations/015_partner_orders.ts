// Purpose: the partner's order statistics list the payments that earned it nothing by partner, newest first;
// and count its clicks and visitors: without these indexes each read scans every partner's rows.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX payments_no_reward_partner ON payments (no_reward_partner_id, paid_at DESC, id DESC)
      WHERE no_reward_partner_id IS NOT NULL;
    CREATE INDEX link_clicks_partner ON link_clicks (partner_id, visitor_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX payments_no_reward_partner; DROP INDEX link_clicks_partner;`.execute(db);
}
