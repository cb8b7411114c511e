// Purpose: the amoCRM integration — OAuth installs and per-account connections (tokens encrypted), alerts for
// admins, the vendor's company per client, stored CRM webhooks, agenda's job table, and a wake-up NOTIFY that
// fires after commit whenever background work becomes due.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- amoCRM calls the redirect URI once, with a 3-second budget and no retry: the code is stored first and
    -- exchanged by a job. Only a hash identifies it; the code itself is sealed (AES-256-GCM).
    CREATE TABLE amo_installs (
      id bigserial PRIMARY KEY,
      code_hash text NOT NULL UNIQUE,
      code_enc text NOT NULL,
      -- The account host amoCRM named (e.g. partner.amocrm.ru), already checked against the allowed domains.
      referer text NOT NULL,
      from_widget boolean NOT NULL DEFAULT false,
      state text,
      platform text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'exchanged', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      account_id bigint,
      received_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX amo_installs_due ON amo_installs (next_attempt_at) WHERE status = 'pending';

    -- One row per amoCRM account we act in (partners' and the vendor's), keyed by account id because
    -- subdomains can be renamed.
    CREATE TABLE amo_connections (
      account_id bigint PRIMARY KEY CHECK (account_id > 0),
      host text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'broken', 'blocked', 'disconnected')),
      status_reason text,
      -- Sealed JSON {accessToken, refreshToken}, bound to the context "amo_token:<account_id>".
      tokens_enc text,
      access_expires_at timestamptz,
      -- Bumped on every token change: a refresher that waited for the row lock sees someone else refreshed.
      token_version integer NOT NULL DEFAULT 0,
      user_id bigint,
      from_widget boolean,
      connected_at timestamptz NOT NULL DEFAULT now(),
      refreshed_at timestamptz,
      status_changed_at timestamptz NOT NULL DEFAULT now(),
      last_probe_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (status <> 'active' OR (tokens_enc IS NOT NULL AND access_expires_at IS NOT NULL))
    );

    -- What admins must look at: a blocked or broken connection, a deleted or re-keyed company, a delivery that
    -- gave up. Raising an alert that is already open only bumps its counter.
    CREATE TABLE amo_alerts (
      id bigserial PRIMARY KEY,
      account_id bigint,
      kind text NOT NULL,
      message text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      dedupe_key text NOT NULL,
      occurrences integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      resolved_by_user_id bigint,
      resolution text
    );
    CREATE UNIQUE INDEX amo_alerts_open ON amo_alerts (dedupe_key) WHERE resolved_at IS NULL;
    CREATE INDEX amo_alerts_list ON amo_alerts (id) WHERE resolved_at IS NULL;

    -- The company in the vendor's amoCRM that stands for a client account (rule 8), created once per client.
    CREATE TABLE amo_vendor_companies (
      client_account_id bigint PRIMARY KEY CHECK (client_account_id > 0),
      company_id bigint UNIQUE,
      -- Set before a create request leaves: if its answer is lost (crash, timeout), the next attempt searches
      -- amoCRM for the company instead of creating a second one.
      create_started_at timestamptz,
      -- 'mismatch': the company's account-id field was changed in amoCRM; an admin decides.
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'mismatch')),
      -- A per-client lease: two workers never write the same client's company at once (a pin and its
      -- release may sit in different outbox rows claimed by different processes).
      lease_owner text,
      lease_until timestamptz,
      synced_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- CRM webhooks are answered within 2 seconds by storing the raw form body; a job processes them.
    CREATE TABLE amo_webhook_events (
      id bigserial PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now(),
      account_id bigint,
      body text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      processed_at timestamptz
    );
    CREATE INDEX amo_webhook_events_due ON amo_webhook_events (next_attempt_at) WHERE status = 'pending';

    CREATE INDEX outbox_target ON outbox (target_account_id) WHERE status = 'pending';

    -- Background work became due: tell every listening worker after commit (NOTIFY is delivered on commit and
    -- collapsed per transaction). Claims move next_attempt_at into the future, so they do not notify.
    CREATE FUNCTION amo_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'pending' AND NEW.next_attempt_at <= now() THEN
        PERFORM pg_notify('amo_work', TG_TABLE_NAME);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER outbox_notify AFTER INSERT OR UPDATE OF status, next_attempt_at ON outbox
      FOR EACH ROW EXECUTE FUNCTION amo_notify_work();
    CREATE TRIGGER amo_installs_notify AFTER INSERT OR UPDATE OF status, next_attempt_at ON amo_installs
      FOR EACH ROW EXECUTE FUNCTION amo_notify_work();
    CREATE TRIGGER amo_webhook_events_notify AFTER INSERT OR UPDATE OF status, next_attempt_at ON amo_webhook_events
      FOR EACH ROW EXECUTE FUNCTION amo_notify_work();

    -- agenda 6 (@agendajs/postgres-backend 3.0.6) keeps its jobs here. The schema is created by this migration
    -- rather than by agenda at connect time, so that several processes starting at once cannot race on DDL.
    CREATE TABLE agenda_jobs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name varchar(255) NOT NULL,
      priority integer NOT NULL DEFAULT 0,
      next_run_at timestamptz,
      type varchar(10) NOT NULL DEFAULT 'normal' CHECK (type IN ('normal', 'single')),
      locked_at timestamptz,
      last_finished_at timestamptz,
      failed_at timestamptz,
      fail_count integer DEFAULT NULL,
      fail_reason text,
      repeat_timezone varchar(100),
      last_run_at timestamptz,
      repeat_interval varchar(255),
      data jsonb DEFAULT '{}'::jsonb,
      repeat_at varchar(255),
      disabled boolean DEFAULT false,
      progress real,
      fork boolean DEFAULT false,
      last_modified_by varchar(255),
      debounce_started_at timestamptz,
      start_date timestamptz,
      end_date timestamptz,
      skip_days jsonb,
      created_at timestamptz DEFAULT now(),
      updated_at timestamptz DEFAULT now()
    );
    CREATE INDEX agenda_jobs_find_and_lock_idx
      ON agenda_jobs (name, next_run_at, priority DESC, locked_at, disabled) WHERE disabled = false;
    CREATE UNIQUE INDEX agenda_jobs_single_job_idx ON agenda_jobs (name) WHERE type = 'single';
    CREATE INDEX agenda_jobs_locked_at_idx ON agenda_jobs (locked_at) WHERE locked_at IS NOT NULL;
    CREATE INDEX agenda_jobs_next_run_at_idx ON agenda_jobs (next_run_at) WHERE next_run_at IS NOT NULL;
    CREATE FUNCTION update_agenda_jobs_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at = now();
      RETURN NEW;
    END $$;
    CREATE TRIGGER agenda_jobs_updated_at_trigger BEFORE UPDATE ON agenda_jobs
      FOR EACH ROW EXECUTE FUNCTION update_agenda_jobs_updated_at();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE agenda_jobs;
    DROP FUNCTION update_agenda_jobs_updated_at;
    DROP TRIGGER outbox_notify ON outbox;
    DROP INDEX outbox_target;
    DROP TABLE amo_webhook_events, amo_vendor_companies, amo_alerts, amo_connections, amo_installs;
    DROP FUNCTION amo_notify_work;
  `.execute(db);
}
