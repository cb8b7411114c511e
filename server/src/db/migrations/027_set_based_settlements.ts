// Purpose: what a settlement run needs to decide and write in the database, so that no row per partner comes into
// Node (issue 14: memory flat in the partner count): `create_id` mints ids as `createId` does (server/src/ids.ts),
// `format_rub` writes an amount as `formatRub` does (documents/money-words.ts), `divide_rounded` rounds as
// `divideRounded` does (shared/money.ts). test/db/set-based-settlements.test.ts checks each against its original.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A type prefix, 9 base-36 characters of milliseconds since the epoch, 12 random base-36 characters.
    CREATE FUNCTION create_id(p_prefix text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      digits constant text := '0123456789abcdefghijklmnopqrstuvwxyz';
      ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
      time_part text := '';
      random_part text := '';
    BEGIN
      WHILE ms > 0 LOOP
        time_part := substr(digits, (ms % 36)::int + 1, 1) || time_part;
        ms := ms / 36;
      END LOOP;
      FOR i IN 1..12 LOOP
        random_part := random_part || substr(digits, floor(random() * 36)::int + 1, 1);
      END LOOP;
      RETURN p_prefix || '_' || lpad(time_part, 9, '0') || random_part;
    END $$;

    -- Kopecks as rubles with no-break spaces between digit groups, a decimal comma and the sign: «12 000,00 ₽».
    CREATE FUNCTION format_rub(p_minor bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
      SELECT CASE WHEN p_minor < 0 THEN '-' ELSE '' END
             || reverse(regexp_replace(reverse(div(abs(p_minor::numeric), 100)::text), '(\\d{3})(?=\\d)',
                                       '\\1' || chr(160), 'g'))
             || ',' || lpad((abs(p_minor::numeric) % 100)::text, 2, '0') || chr(160) || '₽'
    $$;

    -- numerator / denominator rounded half away from zero to a whole minor unit (DOMAIN.md rule 18).
    CREATE FUNCTION divide_rounded(p_numerator numeric, p_denominator numeric) RETURNS bigint
      LANGUAGE sql IMMUTABLE STRICT AS $$
      SELECT (sign(p_numerator) * div(abs(p_numerator) * 2 + p_denominator, 2 * p_denominator))::bigint
    $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP FUNCTION divide_rounded(numeric, numeric);
    DROP FUNCTION format_rub(bigint);
    DROP FUNCTION create_id(text);
  `.execute(db);
}
