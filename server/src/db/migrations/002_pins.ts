// Purpose: pinning (pins and their history, client-request links), accounts the vendor already knows,
// routed questions, disputes, and the outbox of amoCRM side effects.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE known_accounts (
      account_id bigint PRIMARY KEY CHECK (account_id > 0),
      source text NOT NULL,
      first_seen_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE pins (
      id text PRIMARY KEY,
      client_account_id bigint NOT NULL CHECK (client_account_id > 0),
      client_subdomain text,
      partner_id text NOT NULL REFERENCES partners (id),
      status text NOT NULL CHECK (status IN ('pinned', 'attributed', 'pending_client_request', 'pending_check',
                                             'rejected', 'released', 'transferred')),
      exclusive boolean NOT NULL DEFAULT false,
      reason text,
      comment text,
      -- The period in which this pin earns commission: payments dated in [valid_from, valid_to) follow it.
      valid_from timestamptz,
      valid_to timestamptz,
      client_request_at timestamptz,
      client_request_source text,
      transferred_from_pin_id text REFERENCES pins (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- First valid pin wins: one holding pin per client account, enforced by the database under any concurrency.
    CREATE UNIQUE INDEX pins_one_holder ON pins (client_account_id)
      WHERE status IN ('pinned', 'attributed', 'pending_client_request', 'pending_check');
    CREATE INDEX pins_partner ON pins (partner_id, id);
    CREATE INDEX pins_client ON pins (client_account_id, valid_from);

    CREATE TABLE pin_events (
      id bigserial PRIMARY KEY,
      pin_id text NOT NULL REFERENCES pins (id),
      at timestamptz NOT NULL DEFAULT now(),
      event text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX pin_events_pin ON pin_events (pin_id, id);

    CREATE TABLE client_request_links (
      -- sha256 of the code: a leaked database does not leak usable links.
      code_hash text PRIMARY KEY,
      pin_id text NOT NULL REFERENCES pins (id),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE questions (
      id text PRIMARY KEY,
      client_account_id bigint NOT NULL,
      pin_id text NOT NULL REFERENCES pins (id),
      partner_id text NOT NULL REFERENCES partners (id),
      text text NOT NULL,
      asked_by_user_id bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      answered_at timestamptz,
      answered_by_user_id bigint
    );
    CREATE INDEX questions_partner ON questions (partner_id, id);

    CREATE TABLE disputes (
      id text PRIMARY KEY,
      partner_id text NOT NULL REFERENCES partners (id),
      kind text NOT NULL CHECK (kind IN ('rejected_pin', 'missing_commission')),
      pin_id text REFERENCES pins (id),
      payment_external_id text,
      text text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'decided_for_partner', 'decided_against_partner')),
      decision_reason text,
      compensation_minor bigint CHECK (compensation_minor IS NULL OR compensation_minor > 0),
      currency char(3),
      decided_at timestamptz,
      decided_by_user_id bigint,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX disputes_partner ON disputes (partner_id, id);

    -- amoCRM side effects, written in the same transaction as the change that causes them and delivered
    -- after commit by a job, at least once; dedupe_key makes a repeated write of the same effect a no-op.
    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      target_account_id bigint NOT NULL,
      dedupe_key text NOT NULL UNIQUE,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      result jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE outbox, disputes, questions, client_request_links, pin_events, pins, known_accounts`.execute(
    db,
  );
}
