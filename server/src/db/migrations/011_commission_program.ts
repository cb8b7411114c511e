// Purpose: every commission records the program version and the rule that made it, with the calculation in
// words as the partner's statement shows it (issue 13). Rows from before the engine keep NULL: they were
// made by the fixed 40 %/50 % code, which is the leadsender preset's version 1.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE commissions
      ADD COLUMN program_version integer REFERENCES program_versions (version),
      ADD COLUMN rule_id text,
      ADD COLUMN calculation text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE commissions DROP COLUMN program_version, DROP COLUMN rule_id, DROP COLUMN calculation;`.execute(
    db,
  );
}
