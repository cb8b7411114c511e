// Purpose: partner links and their clicks (docs/PROGRAMS.md "Links and clicks"). Attribution reads the clicks
// of one visitor in the window before a payment.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE partner_links (
      -- The public code in /r/<code>: 128 random bits, base64url, so links cannot be enumerated.
      code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{22}$'),
      partner_id text NOT NULL REFERENCES partners (id),
      -- The product the link promotes; NULL is the partner's general link.
      product_code text,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- One link per partner and product: POST /api/v1/links returns the existing one (idempotent).
      CONSTRAINT partner_links_one_per_product UNIQUE NULLS NOT DISTINCT (partner_id, product_code)
    );
    CREATE TABLE link_clicks (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      link_code text NOT NULL REFERENCES partner_links (code),
      -- Copied from the link so attribution needs no join.
      partner_id text NOT NULL REFERENCES partners (id),
      visitor_id text NOT NULL,
      clicked_at timestamptz NOT NULL
    );
    -- "The clicks of this visitor in the window before a time" (the payment's attribution).
    CREATE INDEX link_clicks_visitor_time ON link_clicks (visitor_id, clicked_at);
    -- Click counts per link for the partner's list.
    CREATE INDEX link_clicks_link ON link_clicks (link_code);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE link_clicks; DROP TABLE partner_links;
  `.execute(db);
}
