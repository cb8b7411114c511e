// Purpose: the program document (docs/PROGRAMS.md), versioned by effective date; a new version never rewrites
// the past, so rows are only ever added.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE program_versions (
      version integer PRIMARY KEY CHECK (version > 0),
      document jsonb NOT NULL,
      effective_from timestamptz NOT NULL,
      -- Who stored it: 'preset:<name>' for the start-up default, else the admin's audit identity.
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX program_versions_in_force ON program_versions (effective_from DESC, version DESC);
    CREATE FUNCTION program_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'program versions are append-only' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER program_versions_append_only BEFORE UPDATE OR DELETE ON program_versions
      FOR EACH ROW EXECUTE FUNCTION program_versions_append_only();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE program_versions; DROP FUNCTION program_versions_append_only();`.execute(db);
}
