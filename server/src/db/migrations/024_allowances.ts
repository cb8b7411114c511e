// Purpose: allowances a partner grants its clients (seed 004): bonus codes that top up a client's balance, and free
// months of service, each within the quotas of the program version in force, the quotas held by the database too.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE allowance_grants (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('bonus_codes', 'free_months')),
      -- The allowance of the program version that granted it (its limits are copied below).
      allowance_id text NOT NULL,
      program_version integer NOT NULL,
      partner_id text NOT NULL REFERENCES partners (id),
      client_account_id bigint NOT NULL CHECK (client_account_id > 0),
      granted_at timestamptz NOT NULL,
      -- The Moscow calendar quarter of granted_at, '2026-Q2': the window of the partner's quarterly quotas.
      quarter text NOT NULL CHECK (quarter ~ '^[0-9]{4}-Q[1-4]$'),
      -- The grant's place among the partner's grants of this kind in the quarter, and among the client's grants of
      -- this kind, 1, 2, …: each is the count before it plus one, and UNIQUE, so two grants decided on the same
      -- count cannot both commit; with the limit in force copied next to it, a CHECK holds the quota.
      partner_ordinal integer NOT NULL CHECK (partner_ordinal >= 1),
      partner_quota integer CONSTRAINT allowance_grants_partner_quota CHECK (partner_ordinal <= partner_quota),
      client_ordinal integer NOT NULL CHECK (client_ordinal >= 1),
      client_quota integer CONSTRAINT allowance_grants_client_quota CHECK (client_ordinal <= client_quota),
      -- Bonus codes: the code the client types, its value in kopecks, and the partner's running total of the
      -- quarter in kopecks (this code included) against the quarter's amount limit in kopecks.
      code text UNIQUE CONSTRAINT allowance_grants_code_form CHECK (code ~ '^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){2}$'),
      amount_minor bigint CHECK (amount_minor > 0),
      currency char(3) CHECK (currency = 'RUB'),
      quarter_total_minor bigint CONSTRAINT allowance_grants_total_covers_code CHECK (quarter_total_minor >= amount_minor),
      quarter_quota_minor bigint CONSTRAINT allowance_grants_amount_quota CHECK (quarter_total_minor <= quarter_quota_minor),
      -- Free months: the month (its first day), and whether two of the client's months may not be adjacent.
      month date CONSTRAINT allowance_grants_month_first_day CHECK (month = date_trunc('month', month)::date),
      not_consecutive boolean,
      CONSTRAINT allowance_grants_fields_of_kind CHECK (
        kind = 'bonus_codes'
          AND code IS NOT NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL
          AND quarter_total_minor IS NOT NULL AND month IS NULL AND not_consecutive IS NULL
        OR kind = 'free_months'
          AND month IS NOT NULL AND not_consecutive IS NOT NULL
          AND code IS NULL AND amount_minor IS NULL AND currency IS NULL
          AND quarter_total_minor IS NULL AND quarter_quota_minor IS NULL
      ),
      UNIQUE (kind, partner_id, quarter, partner_ordinal),
      UNIQUE (kind, client_account_id, client_ordinal),
      -- A client's month is free once.
      UNIQUE (client_account_id, month),
      -- Never two free months in a row: a month granted under that rule takes itself and the month after it,
      -- so a client's two such months may not overlap (range types have GiST operators of their own, no extension).
      CONSTRAINT allowance_grants_not_consecutive EXCLUDE USING gist (
        int8range(client_account_id, client_account_id, '[]') WITH &&,
        daterange(month, (month + interval '2 months')::date) WITH &&
      ) WHERE (not_consecutive)
    );
    CREATE INDEX allowance_grants_partner ON allowance_grants (partner_id, kind, granted_at);

    -- A grant was handed to a client (a code it may already have typed): it is never changed or taken back here.
    CREATE FUNCTION allowance_grants_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'allowance grants are append-only' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER allowance_grants_append_only BEFORE UPDATE OR DELETE ON allowance_grants
      FOR EACH ROW EXECUTE FUNCTION allowance_grants_append_only();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE allowance_grants; DROP FUNCTION allowance_grants_append_only();`.execute(db);
}
