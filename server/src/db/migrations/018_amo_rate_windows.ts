// Purpose: amoCRM's limit (7 requests per second per account) shared by every process on this database.
// Each process still queues its own callers (`RateLimiter`); before a request goes out it also takes a slot
// here, so N processes, on one machine or several, send at most `limit` per window together. The times come
// from the database's clock (`clock_timestamp()`), the one clock all processes share. A 429 pauses the key
// for every process.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE amo_rate_windows (
      key text PRIMARY KEY,
      -- The last \`limit\` slots granted for this key, oldest first.
      sent timestamptz[] NOT NULL DEFAULT '{}',
      paused_until timestamptz
    );

    -- A slot taken now (wait_ms 0, granted_at its time), or how many milliseconds to wait before asking again.
    CREATE FUNCTION amo_take_slot(p_key text, p_limit integer, p_window_ms integer,
                                  OUT wait_ms integer, OUT granted_at timestamptz)
    LANGUAGE plpgsql AS $$
    DECLARE
      w amo_rate_windows;
      now_at timestamptz;
      free_at timestamptz := '-infinity';
    BEGIN
      INSERT INTO amo_rate_windows (key) VALUES (p_key) ON CONFLICT DO NOTHING;
      SELECT * INTO w FROM amo_rate_windows WHERE key = p_key FOR UPDATE;
      now_at := clock_timestamp();
      IF cardinality(w.sent) >= p_limit THEN
        free_at := w.sent[cardinality(w.sent) - p_limit + 1] + make_interval(secs => p_window_ms / 1000.0);
      END IF;
      free_at := greatest(free_at, coalesce(w.paused_until, '-infinity'));
      IF free_at > now_at THEN
        wait_ms := greatest(1, ceil(extract(epoch FROM free_at - now_at) * 1000))::integer;
        RETURN;
      END IF;
      UPDATE amo_rate_windows
         SET sent = (w.sent || now_at)[greatest(1, cardinality(w.sent) + 2 - p_limit):]
       WHERE key = p_key;
      wait_ms := 0;
      granted_at := now_at;
    END
    $$;

    -- The request of the slot granted at p_granted_at was answered: like the per-process throttle, it counts
    -- from now on (amoCRM has surely counted it by its answer, however late it travelled).
    CREATE FUNCTION amo_finish_slot(p_key text, p_granted_at timestamptz) RETURNS void LANGUAGE sql AS $$
      UPDATE amo_rate_windows
         SET sent = ARRAY(SELECT t FROM unnest(array_replace(sent, p_granted_at, clock_timestamp())) t ORDER BY t)
       WHERE key = p_key;
    $$;

    -- A request sent under another key (the install's first call, by host) counted against this key too.
    CREATE FUNCTION amo_record_slot(p_key text, p_limit integer) RETURNS void LANGUAGE sql AS $$
      INSERT INTO amo_rate_windows AS w (key, sent) VALUES (p_key, ARRAY[clock_timestamp()])
      ON CONFLICT (key) DO UPDATE
        SET sent = (w.sent || clock_timestamp())[greatest(1, cardinality(w.sent) + 2 - p_limit):];
    $$;

    -- amoCRM said 429: nobody sends for this key for p_ms.
    CREATE FUNCTION amo_pause_key(p_key text, p_ms integer) RETURNS void LANGUAGE sql AS $$
      INSERT INTO amo_rate_windows AS w (key, paused_until)
      VALUES (p_key, clock_timestamp() + make_interval(secs => p_ms / 1000.0))
      ON CONFLICT (key) DO UPDATE
        SET paused_until = greatest(w.paused_until, clock_timestamp() + make_interval(secs => p_ms / 1000.0));
    $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP FUNCTION amo_take_slot; DROP FUNCTION amo_finish_slot; DROP FUNCTION amo_record_slot; DROP FUNCTION amo_pause_key;
    DROP TABLE amo_rate_windows;
  `.execute(db);
}
