// Purpose: the program's settlements and bounties (seed 004). A settlement is a scheduled computation per
// partner and period — KVM and MONT Office rebates every half year, the growth rebate every quarter — recorded
// once per (partner, settlement, period) and revised in place when an operator's recompute finds another amount
// (a back-dated payment), each revision posting only the difference. A bounty is a fixed or ranged reward an
// admin records when the partner's case or comment is published, once per (partner, bounty, publication date).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE partner_settlements (
      id text PRIMARY KEY,
      partner_id text NOT NULL REFERENCES partners (id),
      settlement_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('rebate', 'growth')),
      period_from date NOT NULL,
      period_to date NOT NULL CHECK (period_to >= period_from),
      measure_minor bigint NOT NULL,
      previous_minor bigint,
      amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
      form text NOT NULL CHECK (form IN ('payout', 'one_time_discount')),
      payable boolean NOT NULL,
      reason text,
      calculation text NOT NULL,
      program_version integer NOT NULL,
      revision integer NOT NULL DEFAULT 1,
      settled_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (partner_id, settlement_id, period_from)
    );
    CREATE INDEX partner_settlements_period ON partner_settlements (settlement_id, period_from);

    CREATE TABLE partner_bounties (
      id text PRIMARY KEY,
      partner_id text NOT NULL REFERENCES partners (id),
      bounty_id text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      published_at timestamptz NOT NULL,
      payable boolean NOT NULL,
      reason text,
      recorded_by text NOT NULL,
      request_hash text NOT NULL,
      program_version integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (partner_id, bounty_id, published_at)
    );
    CREATE INDEX partner_bounties_partner ON partner_bounties (partner_id, published_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE partner_bounties; DROP TABLE partner_settlements;`.execute(db);
}
