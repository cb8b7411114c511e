// Purpose: a payment may be attributed by a partner link's click (billing's `referral.visitorId`, seed 000)
// instead of a pin, and a payment the program gives nothing records why (self-purchase, a repeat order, …)
// with the partner it would have gone to: the partner's statistics and the admins' fraud queue read it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE commissions
      ALTER COLUMN pin_id DROP NOT NULL,
      ADD COLUMN link_click_id bigint REFERENCES link_clicks (id),
      ADD CONSTRAINT commissions_attributed CHECK (pin_id IS NOT NULL OR link_click_id IS NOT NULL);
    ALTER TABLE payments
      ADD COLUMN no_reward_partner_id text REFERENCES partners (id),
      ADD COLUMN no_reward_reason text,
      ADD CONSTRAINT payments_no_reward_both CHECK ((no_reward_partner_id IS NULL) = (no_reward_reason IS NULL));
    CREATE INDEX payments_no_reward ON payments (no_reward_reason, id) WHERE no_reward_reason IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX payments_no_reward;
    ALTER TABLE payments DROP COLUMN no_reward_partner_id, DROP COLUMN no_reward_reason;
    ALTER TABLE commissions DROP CONSTRAINT commissions_attributed, DROP COLUMN link_click_id,
      ALTER COLUMN pin_id SET NOT NULL;
  `.execute(db);
}
