// Purpose: a partner's personal promo code (seed 002): the client types it at checkout, billing passes it as
// `referral.code`, and under a program that attributes by code the payment earns for the code's partner. A
// commission may now be attributed by a code; a payment with a code nobody owns records why it earned nothing,
// with no partner to name.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE partner_promo_codes (
      -- Eight characters a person reads and types without mistakes: no 0/O, 1/I/L (see links/link.ts).
      code text PRIMARY KEY CHECK (code ~ '^[A-HJKMNP-Z2-9]{8}$'),
      partner_id text NOT NULL UNIQUE REFERENCES partners (id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE commissions
      ADD COLUMN promo_code text REFERENCES partner_promo_codes (code),
      DROP CONSTRAINT commissions_attributed,
      ADD CONSTRAINT commissions_attributed CHECK (num_nonnulls(pin_id, link_click_id, promo_code) >= 1);
    ALTER TABLE payments
      DROP CONSTRAINT payments_no_reward_both,
      ADD CONSTRAINT payments_no_reward_reason CHECK (no_reward_partner_id IS NULL OR no_reward_reason IS NOT NULL);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE payments
      DROP CONSTRAINT payments_no_reward_reason,
      ADD CONSTRAINT payments_no_reward_both CHECK ((no_reward_partner_id IS NULL) = (no_reward_reason IS NULL));
    ALTER TABLE commissions
      DROP CONSTRAINT commissions_attributed,
      DROP COLUMN promo_code,
      ADD CONSTRAINT commissions_attributed CHECK (pin_id IS NOT NULL OR link_click_id IS NOT NULL);
    DROP TABLE partner_promo_codes;
  `.execute(db);
}
