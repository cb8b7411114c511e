// Purpose: exam-or-revenue levels and partner models (seed 004, Oblakoteka): the exams a partner passed, its level
// history as the monthly review finds it (entered on contract, demoted, returned by an exam or by revenue), its
// model history (Referral, Reseller, Agent, White Label) set by an admin, and a Referral partner's choice per client
// (10 % monthly or 100 % of the first month once).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per exam day: recording the same exam again changes nothing.
    CREATE TABLE partner_exams (
      partner_id text NOT NULL REFERENCES partners (id),
      passed_on date NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (partner_id, passed_on)
    );

    -- The level history: the partner is at level_code from from_date (a Moscow date) until its next row. Derived
    -- by the review from contracts, exams and payments, so a review of the same past writes the same rows, and a
    -- review after a back-dated payment or exam corrects them.
    CREATE TABLE partner_levels (
      partner_id text NOT NULL REFERENCES partners (id),
      from_date date NOT NULL,
      level_code text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('contract', 'demotion', 'exam', 'revenue')),
      program_version int NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (partner_id, from_date)
    );

    -- The model history: the partner works under model from from_date on; a second change on one day replaces the
    -- first.
    CREATE TABLE partner_models (
      partner_id text NOT NULL REFERENCES partners (id),
      from_date date NOT NULL,
      model text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (partner_id, from_date)
    );

    -- A partner's choice of reward for one client (seed 004 Referral), made before the client's first payment.
    CREATE TABLE partner_reward_choices (
      partner_id text NOT NULL REFERENCES partners (id),
      client_account_id bigint NOT NULL,
      choice text NOT NULL,
      chosen_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (partner_id, client_account_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE partner_reward_choices, partner_models, partner_levels, partner_exams;`.execute(db);
}
