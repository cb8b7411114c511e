import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda, type Job } from 'agenda';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * A background job: a name, what it does, and optionally how often it recurs. Every module that needs
 * background work (amoCRM deliveries, payouts, …) hands its definitions to one `startJobs` call.
 */
export interface JobDefinition {
  name: string;
  /**
   * The work. Must be safe to run again after a crash (agenda runs a job at least once) and should return
   * soon after `signal` aborts (the process is stopping).
   */
  run(ctx: { data: unknown; signal: AbortSignal }): Promise<void>;
  /** Recurring: milliseconds, a human interval ("5 minutes") or a cron expression ("0 6 * * *"). */
  every?: string | number;
  /** Time zone for cron expressions (e.g. "Europe/Moscow"); UTC by default. */
  timezone?: string;
  /** Run a recurring job once as soon as the scheduler starts (default: true for intervals, false for cron). */
  runOnStart?: boolean;
}

export interface JobsOptions {
  /** Names this process in agenda's `last_modified_by` column. */
  name?: string;
  /** How often agenda polls for due jobs besides its LISTEN/NOTIFY wake-ups (default 5 s). */
  processEveryMs?: number;
  /**
   * How long a job's lock is trusted without a heartbeat. Tests set it short (STACK.md: agenda keeps a
   * `lockLifetime / 2` timer alive after each run); running jobs send heartbeats every third of it.
   */
  lockLifetimeMs?: number;
  /** How long `stop()` waits for running jobs to finish after asking them to stop (default 10 s). */
  drainTimeoutMs?: number;
}

export interface Scheduler {
  /**
   * Asks for a run of the job soon. Coalesced: while a run is queued nothing new is queued, and a request
   * that arrives during a run makes that run go once more — a burst of wake-ups costs one or two runs.
   */
  trigger(name: string): void;
  /** Queues one run of the job with data (not coalesced). */
  now(name: string, data?: unknown): Promise<void>;
  stop(): Promise<void>;
}

const CRON = /^\s*\S+(\s+\S+){4,5}\s*$/;

/**
 * Starts agenda 6 on PostgreSQL (`agenda_jobs`, created by migration 004) with the given definitions. Jobs are
 * locked in the database, so several processes may run this; each recurring job runs in one of them at a time.
 */
export async function startJobs(
  context: { databaseUrl: string; log: Logger },
  definitions: JobDefinition[],
  options: JobsOptions = {},
): Promise<Scheduler> {
  const log = context.log.child({ component: 'jobs' });
  const lockLifetimeMs = options.lockLifetimeMs ?? 10 * 60_000;
  // Agenda's own small pool: its LISTEN connection must not go back to the application's pool, and an idle
  // connection lost to a database restart must be logged, not crash the process (pg emits 'error' on it).
  const pool = new pg.Pool({ connectionString: context.databaseUrl, max: 4 });
  pool.on('error', (error) => log.warn({ err: { message: error.message } }, 'agenda pool connection lost'));
  // The same for a client in use when the database goes away (see createDb): log it, never crash.
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn({ err: { message: error.message } }, 'agenda connection lost'));
  });
  const backend = new PostgresBackend({ pool, ensureSchema: false });
  const agenda = new Agenda({
    backend,
    name: options.name,
    processEvery: options.processEveryMs ?? 5_000,
    defaultLockLifetime: lockLifetimeMs,
    defaultConcurrency: 1,
    maxConcurrency: 20,
    // One-off runs (triggers) would otherwise pile up as finished rows.
    removeOnComplete: true,
  });
  // agenda and its LISTEN client report lost connections as 'error' events; unhandled, they crash the process.
  agenda.on('error', (error: Error) => log.warn({ err: { message: error.message } }, 'agenda error'));
  const channel = backend.notificationChannel as unknown as
    { on?: (event: 'error', fn: (error: Error) => void) => void } | undefined;
  channel?.on?.('error', (error: Error) =>
    log.warn({ err: { message: error.message } }, 'agenda LISTEN error'),
  );

  const stopping = new AbortController();
  const running = new Set<string>();
  const rerun = new Set<string>();
  const queued = new Set<string>();

  for (const definition of definitions) {
    agenda.define(
      definition.name,
      async (job: Job) => {
        queued.delete(definition.name);
        running.add(definition.name);
        // Long runs (a burst of deliveries at 7 requests per second) must not look like dead ones.
        const heartbeat = setInterval(
          () => void job.touch().catch(() => undefined),
          Math.max(250, Math.floor(lockLifetimeMs / 3)),
        );
        try {
          do {
            rerun.delete(definition.name);
            await definition.run({ data: job.attrs.data, signal: stopping.signal });
          } while (rerun.has(definition.name) && !stopping.signal.aborted);
        } catch (error) {
          log.error(
            { job: definition.name, err: { message: (error as Error).message, name: (error as Error).name } },
            'job failed',
          );
          throw error;
        } finally {
          clearInterval(heartbeat);
          running.delete(definition.name);
        }
      },
      { concurrency: 1, lockLifetime: lockLifetimeMs },
    );
  }

  await agenda.start();
  for (const definition of definitions) {
    if (definition.every === undefined) continue;
    const cron = typeof definition.every === 'string' && CRON.test(definition.every);
    await agenda.every(definition.every, definition.name, undefined, {
      timezone: definition.timezone,
      skipImmediate: !(definition.runOnStart ?? !cron),
    });
  }
  log.info({ jobs: definitions.map((d) => d.name) }, 'background jobs started');

  return {
    trigger(name) {
      if (stopping.signal.aborted) return;
      if (running.has(name)) {
        rerun.add(name);
        return;
      }
      if (queued.has(name)) return;
      queued.add(name);
      agenda.now(name).catch((error: Error) => {
        queued.delete(name);
        log.warn({ job: name, err: { message: error.message } }, 'could not queue a job run');
      });
    },
    async now(name, data) {
      await agenda.now(name, data ?? {});
    },
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      // drain waits for running jobs to finish (they see the abort) and their state to be saved; jobs fetched
      // but not started keep their lock until it expires, which only delays them.
      await agenda.drain({ timeout: options.drainTimeoutMs ?? 10_000, closeConnection: false });
      await pool.end();
      log.info('background jobs stopped');
    },
  };
}
