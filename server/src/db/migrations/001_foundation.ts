// Purpose: partners, audit log, idempotency keys, staff roles and the append-only double-entry ledger.
// Migrations never import application code: they describe the schema as it was at this point in time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE partners (
      id text PRIMARY KEY,
      account_id bigint NOT NULL UNIQUE CHECK (account_id > 0),
      kind text NOT NULL CHECK (kind IN ('legal_entity', 'sole_proprietor', 'self_employed', 'individual')),
      status text NOT NULL CHECK (status IN ('pending_contract', 'active', 'blocked')),
      name text NOT NULL,
      inn text,
      kpp text,
      ogrn text,
      passport_enc text,
      passport_masked text,
      bank jsonb,
      contacts jsonb NOT NULL DEFAULT '{}'::jsonb,
      contract_number text,
      contract_signed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_kind text NOT NULL,
      actor_account_id bigint,
      actor_user_id bigint,
      token_jti text,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);

    CREATE TABLE idempotency_keys (
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    );

    CREATE TABLE staff_roles (
      user_id bigint PRIMARY KEY,
      role text NOT NULL CHECK (role IN ('admin', 'staff')),
      granted_by_user_id bigint,
      granted_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ledger_accounts (
      id bigserial PRIMARY KEY,
      code text NOT NULL,
      currency char(3) NOT NULL,
      partner_id text REFERENCES partners (id),
      debits_minor bigint NOT NULL DEFAULT 0 CHECK (debits_minor >= 0),
      credits_minor bigint NOT NULL DEFAULT 0 CHECK (credits_minor >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (code, currency)
    );
    CREATE INDEX ledger_accounts_partner ON ledger_accounts (partner_id) WHERE partner_id IS NOT NULL;

    CREATE TABLE ledger_postings (
      id text PRIMARY KEY,
      posting_key text NOT NULL UNIQUE,
      kind text NOT NULL,
      reason jsonb NOT NULL DEFAULT '{}'::jsonb,
      effective_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ledger_entries (
      id bigserial PRIMARY KEY,
      posting_id text NOT NULL REFERENCES ledger_postings (id),
      account_id bigint NOT NULL REFERENCES ledger_accounts (id),
      side text NOT NULL CHECK (side IN ('debit', 'credit')),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
    CREATE INDEX ledger_entries_posting ON ledger_entries (posting_id);

    -- The ledger is append-only: corrections are new reversing postings, never edits.
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
      FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

    -- Every posting balances per currency. Checked at commit (deferred), so a posting's entries can be
    -- inserted one by one inside its transaction, but an unbalanced set can never be committed.
    CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      bad record;
    BEGIN
      SELECT currency,
             sum(CASE WHEN side = 'debit' THEN amount_minor ELSE -amount_minor END) AS diff
        INTO bad
        FROM ledger_entries
       WHERE posting_id = NEW.posting_id
       GROUP BY currency
      HAVING sum(CASE WHEN side = 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger posting % is unbalanced in % by %', NEW.posting_id, bad.currency, bad.diff
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE ledger_entries, ledger_postings, ledger_accounts, staff_roles, idempotency_keys,
      audit_log, partners;
    DROP FUNCTION ledger_check_balanced, ledger_refuse_change;
  `.execute(db);
}
