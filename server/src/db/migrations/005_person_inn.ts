// Purpose: the ИНН of a self-employed or individual partner identifies a person, like the passport: it is
// kept sealed (AES-256-GCM, context "partner:<id>:inn") with a masked copy for display. Rows registered
// before this migration still hold it in `inn`; the server seals them at start (it has the key, a
// migration does not) — see sealPlainPersonInns.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE partners ADD COLUMN inn_enc text, ADD COLUMN inn_masked text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE partners DROP COLUMN inn_enc, DROP COLUMN inn_masked;`.execute(db);
}
