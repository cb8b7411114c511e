// Purpose: referral programs (seed 002). A partner may be referred by another partner at registration
// (`referred_by`); the referrer and its referrers up to the program's depth earn a share of the partner's
// reward, each as a commission row of its own on the same payment (`upline_depth` 1, 2, …; NULL for the
// attributed partner, who stays one per payment). A refund reverses each of a payment's commissions, so each
// reversal is recorded per commission. A payment keeps the promo code it came with: the client's first code binds
// it to that partner. The new client's side of a two-sided reward (points, a first-purchase
// discount, a bonus) is a client reward; points are redeemed by billing, idempotently by its id.
import { sql, type Kysely } from 'kysely';
import * as m016 from './016_evaluation_facts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE partners
      ADD COLUMN referred_by text REFERENCES partners (id),
      -- Set only when the partner registers (it has no referrals of its own yet) and only ever cleared by an
      -- admin, so no chain can close on itself; a partner cannot refer itself.
      ADD CONSTRAINT partners_not_own_referrer CHECK (referred_by <> id);
    CREATE INDEX partners_referred_by ON partners (referred_by) WHERE referred_by IS NOT NULL;

    ALTER TABLE commissions
      ADD COLUMN upline_depth smallint CHECK (upline_depth BETWEEN 1 AND 9),
      -- A reward paid in points (seed 002: 400 points to the referrer too): the amoCRM account they are credited
      -- to, the partner's own; such a commission is never paid out in money.
      ADD COLUMN points_account_id bigint CHECK (points_account_id IS NULL OR NOT payable),
      DROP CONSTRAINT commissions_payment_id_key,
      ADD CONSTRAINT commissions_payment_partner UNIQUE (payment_id, partner_id);
    CREATE UNIQUE INDEX commissions_one_attributed ON commissions (payment_id) WHERE upline_depth IS NULL;

    -- The partner's promo code a payment came with (seed 002): the first code a client pays with binds it to that
    -- partner, so its later payments (within the program's window) are attributed without the code.
    ALTER TABLE payments ADD COLUMN promo_code text REFERENCES partner_promo_codes (code);
    CREATE INDEX payments_promo_code_client ON payments (client_account_id, paid_at) WHERE promo_code IS NOT NULL;

    CREATE TABLE commission_reversals (
      refund_id text NOT NULL REFERENCES refunds (id),
      commission_id text NOT NULL REFERENCES commissions (id),
      reversal_minor bigint NOT NULL CHECK (reversal_minor > 0),
      PRIMARY KEY (refund_id, commission_id)
    );
    INSERT INTO commission_reversals (refund_id, commission_id, reversal_minor)
      SELECT r.id, c.id, r.reversal_minor FROM refunds r JOIN commissions c ON c.payment_id = r.payment_id
       WHERE r.reversal_minor > 0;

    CREATE TABLE client_rewards (
      id text PRIMARY KEY,
      payment_id text NOT NULL REFERENCES payments (id),
      client_account_id bigint NOT NULL,
      -- The partner whose code or link brought the client.
      partner_id text NOT NULL REFERENCES partners (id),
      rule_id text NOT NULL,
      form text NOT NULL CHECK (form IN ('points', 'discount')),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      reversed_minor bigint NOT NULL DEFAULT 0 CHECK (reversed_minor BETWEEN 0 AND amount_minor),
      currency char(3) NOT NULL,
      calculation text NOT NULL,
      program_version integer NOT NULL,
      accrued_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (payment_id, rule_id)
    );
    CREATE INDEX client_rewards_account ON client_rewards (client_account_id, accrued_at);
    CREATE INDEX client_rewards_partner ON client_rewards (partner_id, accrued_at);

    CREATE TABLE point_redemptions (
      id text PRIMARY KEY,
      external_id text NOT NULL UNIQUE,
      request_hash text NOT NULL,
      client_account_id bigint NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      purchase_minor bigint CHECK (purchase_minor > 0),
      currency char(3) NOT NULL,
      redeemed_at timestamptz NOT NULL
    );
    CREATE INDEX point_redemptions_account ON point_redemptions (client_account_id, redeemed_at);
  `.execute(db);
  // A partner's level counts the orders attributed to it, not its referrers' shares of its downline's orders.
  await m016.evaluationFactsFunction(true).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await m016.evaluationFactsFunction(false).execute(db);
  await sql`
    DROP TABLE point_redemptions;
    DROP TABLE client_rewards;
    DROP TABLE commission_reversals;
    ALTER TABLE payments DROP COLUMN promo_code;
    DELETE FROM commissions WHERE upline_depth IS NOT NULL;
    DROP INDEX commissions_one_attributed;
    ALTER TABLE commissions
      DROP CONSTRAINT commissions_payment_partner,
      ADD CONSTRAINT commissions_payment_id_key UNIQUE (payment_id),
      DROP COLUMN points_account_id,
      DROP COLUMN upline_depth;
    DROP INDEX partners_referred_by;
    ALTER TABLE partners DROP CONSTRAINT partners_not_own_referrer, DROP COLUMN referred_by;
  `.execute(db);
}
