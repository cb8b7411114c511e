// Purpose: billing's order id on a payment (`orderId`), so a second payment of an order already paid — a
// client paying the same order twice by mistake — is recognised and earns nothing (seed 000, PROGRAMS.md).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE payments ADD COLUMN order_id text CHECK (order_id IS NULL OR length(order_id) BETWEEN 1 AND 200);
    COMMENT ON COLUMN payments.order_id IS 'billing''s order this payment pays, when billing says (one order may be paid twice by mistake)';
    CREATE INDEX payments_order ON payments (order_id, paid_at) WHERE order_id IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX payments_order; ALTER TABLE payments DROP COLUMN order_id;`.execute(db);
}
