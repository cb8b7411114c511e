// Purpose: what measures sum over (issue 14): billing's price before the partner's discount (`listMinor`, when
// the reward is a discount) and the product's category on each payment, and an index so a measure finds the
// refunds of the payments in its window without scanning every refund.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE payments
      ADD COLUMN list_minor bigint CHECK (list_minor IS NULL OR list_minor >= gross_minor),
      ADD COLUMN product_category text CHECK (product_category IS NULL OR length(product_category) BETWEEN 1 AND 64);
    COMMENT ON COLUMN payments.list_minor IS 'kopecks: the price before the partner''s discount; gross_minor is what was paid';
    CREATE INDEX refunds_payment ON refunds (payment_id, refunded_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX refunds_payment;
    ALTER TABLE payments DROP COLUMN list_minor, DROP COLUMN product_category;
  `.execute(db);
}
