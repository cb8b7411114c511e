// Purpose: the tier each partner reached on each day (seed 003), recorded by the daily job and by an admin's
// settle for a past date: what the discount of that day was, kept for statements and questions later.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE partner_tier_days (
      partner_id text NOT NULL REFERENCES partners (id),
      on_date date NOT NULL,
      program_version int NOT NULL,
      -- kopecks: the measure over the window that ends on on_date (the turnover, for the reseller preset)
      measure_minor bigint NOT NULL CHECK (measure_minor >= 0),
      -- kopecks: the lower bound of the band reached; NULL below the lowest band
      band_min_minor bigint,
      -- [{ "category": "vps", "discountBps": 1900 }, …]: the discount per category that day
      discounts jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (partner_id, on_date)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE partner_tier_days;`.execute(db);
}
