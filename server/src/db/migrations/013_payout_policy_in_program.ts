// Purpose: the payout policy (hold, minimum, payout days) is the program document's `policies.payout` now, so the
// rows of program_settings that held it until migration 012 are dropped: one place says how payouts work. The
// presets carry the same defaults (14 days, 1 000 ₽, the 1st and the 15th). Changing them is a new program
// version (`PUT /api/v1/admin/program`, or the settings form, which saves one).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM program_settings WHERE key IN ('hold_days', 'min_payout_minor', 'payout_days_of_month');
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    INSERT INTO program_settings (key, value) VALUES
      ('hold_days', '14'), ('min_payout_minor', '100000'), ('payout_days_of_month', '[1, 15]')
    ON CONFLICT (key) DO NOTHING;
  `.execute(db);
}
