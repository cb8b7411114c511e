// Purpose: program settings and rate schedules, client payments, commissions and their reversals, refunds,
// invoices (net and reward), payout runs. Money is BIGINT minor units (kopecks) with a currency code.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE program_settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO program_settings (key, value) VALUES
      ('hold_days', '14'),
      ('min_payout_minor', '100000'),
      ('payout_days_of_month', '[1, 15]'),
      ('renewal_reminder_days', '14'),
      ('vendor_requisites', '{"kind": "legal_entity", "name": "ООО «Вендор виджетов»", "inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "bank": {"bik": "044525225", "account": "40702810938000000001", "correspondentAccount": "30101810400000000225", "bankName": "ПАО Сбербанк"}, "vatMode": "none"}'),
      ('price_list', '{"amo-widget-pro": 1200000, "amo-widget-lite": 500000}');

    -- Commission rates in basis points, valid from a date; partner_id NULL is the program default.
    -- A new row takes effect from its date: past commissions keep the rate stored on them.
    CREATE TABLE rate_schedules (
      id bigserial PRIMARY KEY,
      partner_id text REFERENCES partners (id),
      channel text NOT NULL CHECK (channel IN ('vendor_direct', 'partner_net')),
      rate_bps integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
      effective_from timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX rate_schedules_lookup ON rate_schedules (channel, partner_id, effective_from DESC);
    INSERT INTO rate_schedules (partner_id, channel, rate_bps, effective_from) VALUES
      (NULL, 'vendor_direct', 4000, '2000-01-01T00:00:00Z'),
      (NULL, 'partner_net', 5000, '2000-01-01T00:00:00Z');

    CREATE TABLE payments (
      id text PRIMARY KEY,
      external_id text NOT NULL UNIQUE,
      request_hash text NOT NULL,
      client_account_id bigint NOT NULL CHECK (client_account_id > 0),
      gross_minor bigint NOT NULL CHECK (gross_minor > 0),
      currency char(3) NOT NULL,
      channel text NOT NULL CHECK (channel IN ('vendor_direct', 'partner_net')),
      paid_at timestamptz NOT NULL,
      product_code text,
      period_end timestamptz,
      net_invoice_id text,
      refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= gross_minor),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX payments_client ON payments (client_account_id, paid_at);

    CREATE TABLE commissions (
      id text PRIMARY KEY,
      payment_id text NOT NULL UNIQUE REFERENCES payments (id),
      partner_id text NOT NULL REFERENCES partners (id),
      pin_id text NOT NULL REFERENCES pins (id),
      channel text NOT NULL,
      gross_minor bigint NOT NULL,
      rate_bps integer NOT NULL,
      commission_minor bigint NOT NULL CHECK (commission_minor >= 0),
      currency char(3) NOT NULL,
      payable boolean NOT NULL,
      reason text,
      reversed_minor bigint NOT NULL DEFAULT 0 CHECK (reversed_minor >= 0 AND reversed_minor <= commission_minor),
      accrued_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX commissions_partner ON commissions (partner_id, accrued_at);

    CREATE TABLE refunds (
      id text PRIMARY KEY,
      external_id text NOT NULL UNIQUE,
      request_hash text NOT NULL,
      payment_id text NOT NULL REFERENCES payments (id),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      reversal_minor bigint NOT NULL CHECK (reversal_minor >= 0),
      refunded_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE payout_runs (
      id text PRIMARY KEY,
      as_of date NOT NULL UNIQUE,
      status text NOT NULL CHECK (status IN ('done')),
      invoices_created integer NOT NULL,
      total_minor bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE SEQUENCE invoice_numbers;
    CREATE TABLE invoices (
      id text PRIMARY KEY,
      number text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('net', 'reward')),
      partner_id text NOT NULL REFERENCES partners (id),
      status text NOT NULL CHECK (status IN ('issued', 'paid', 'cancelled')),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      issued_at timestamptz NOT NULL,
      paid_at timestamptz,
      payment_method text CHECK (payment_method IN ('bank', 'card')),
      payout_run_id text REFERENCES payout_runs (id),
      client_account_id bigint,
      product_code text,
      gross_minor bigint,
      reward_minor bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (payout_run_id, partner_id)
    );
    CREATE INDEX invoices_partner ON invoices (partner_id, id);

    CREATE TABLE certificates (
      code text PRIMARY KEY,
      partner_id text NOT NULL UNIQUE REFERENCES partners (id),
      issued_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE certificates, invoices, payout_runs, refunds, commissions, payments, rate_schedules, program_settings;
    DROP SEQUENCE invoice_numbers;
  `.execute(db);
}
