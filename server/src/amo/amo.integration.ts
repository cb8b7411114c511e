import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';
import type { AppContext } from '../context';
import { PROGRAM_TIME_ZONE } from '../instants';
import { startJobs, type JobDefinition, type JobsOptions, type Scheduler } from '../jobs/scheduler';
import * as outbox from '../outbox/outbox';
import { AmoApi, type AmoApiOptions } from './amo.client';
import { AmoHttp } from './amo.http';
import { processInstalls } from './amo.install';
import * as repo from './amo.repository';
import { AmoTokens } from './amo.tokens';
import { OutboxDelivery, type DeliveryOptions } from './outbox.delivery';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter';
import { SharedRateLimiter } from './shared-rate-limiter';
import { enqueueRenewalReminders } from './renewals';
import { AmoVendorDirectory, decidePendingChecks, VendorCompanyField } from './vendor-directory';
import { processWebhooks } from './webhooks';

export const AMO_JOBS = {
  deliver: 'amo.outbox.deliver',
  installs: 'amo.installs.exchange',
  webhooks: 'amo.webhooks.process',
  pendingChecks: 'amo.pins.check_pending',
  maintain: 'amo.connections.maintain',
  renewals: 'amo.renewals.daily',
} as const;

export interface AmoIntegrationOptions {
  rate?: Partial<RateLimiterOptions>;
  api?: Partial<AmoApiOptions>;
  delivery?: Partial<DeliveryOptions>;
  /** How long a known-customer answer is trusted (default 60 s). */
  directoryTtlMs?: number;
  /**
   * Whether a vendor amoCRM account that was never connected makes pins wait (`pending_check`). Default
   * true; the server passes false outside production, so a fresh development server can pin.
   */
  vendorConnectionRequired?: boolean;
  /** How long a pin request waits for the vendor's amoCRM before the pin goes to pending_check (default 2 s). */
  interactiveDeadlineMs?: number;
  /** Refresh an access token this long before it expires (default 10 min). */
  tokenRefreshSkewMs?: number;
  /** The maintenance job refreshes tokens expiring within this (default 6 h). */
  proactiveRefreshMs?: number;
  /** A blocked account gets one probe request this often (default 30 min): amoCRM lifting a block is noticed. */
  blockedProbeEveryMs?: number;
  /** Leases on installs and webhook events (default 2 min). */
  leaseMs?: number;
  /** Names this process in leases. */
  workerName?: string;
  /**
   * Share amoCRM's per-account limit with every other process on this database (`SharedRateLimiter`). The
   * server always does; tests that drive the throttle with their own clock keep it per process.
   */
  sharedThrottle?: boolean;
}

/**
 * Everything the amoCRM integration needs, built once per process from the app context: the throttle, the
 * token store, the API client, the vendor directory (to set as `context.vendorCrm`), and the background work
 * as functions (for tests) and as job definitions (for `startJobs`).
 */
export class AmoIntegration {
  readonly limiter: RateLimiter;
  readonly http: AmoHttp;
  readonly tokens: AmoTokens;
  readonly api: AmoApi;
  readonly field: VendorCompanyField;
  /** Set it as `AppContext.vendorCrm`: rule 9's look-up in the vendor's amoCRM. */
  readonly vendorDirectory: AmoVendorDirectory;
  readonly delivery: OutboxDelivery;
  readonly owner: string;
  private scheduler: Scheduler | undefined;
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly backoff = { baseMs: 2_000, capMs: 15 * 60_000 };

  constructor(
    private readonly context: AppContext,
    private readonly options: AmoIntegrationOptions = {},
  ) {
    const { config, db } = context;
    this.log = context.log.child({ component: 'amocrm' });
    this.owner = options.workerName ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 120_000;
    const rate = { limit: 7, windowMs: 1000, safetyMs: 150, ...options.rate };
    this.limiter = options.sharedThrottle ? new SharedRateLimiter(db, rate, this.log) : new RateLimiter(rate);
    const apiOptions: AmoApiOptions = {
      maxServerRetries: 3,
      serverBackoff: { baseMs: 500, capMs: 8_000 },
      max429Retries: 5,
      requestTimeoutMs: 15_000,
      ...options.api,
    };
    this.http = new AmoHttp({
      apiOrigin: config.amo.apiOrigin,
      timeoutMs: apiOptions.requestTimeoutMs,
      clientId: config.amo.clientId,
    });
    this.tokens = new AmoTokens({
      db,
      config,
      http: this.http,
      log: this.log,
      refreshSkewMs: options.tokenRefreshSkewMs ?? 10 * 60_000,
    });
    this.api = new AmoApi({
      db,
      http: this.http,
      tokens: this.tokens,
      limiter: this.limiter,
      log: this.log,
      options: apiOptions,
    });
    this.field = new VendorCompanyField({
      api: this.api,
      vendorAccountId: config.vendorAccountId,
      configuredFieldId: config.amo.clientAccountFieldId,
      log: this.log,
    });
    this.vendorDirectory = new AmoVendorDirectory({
      api: this.api,
      field: this.field,
      vendorAccountId: config.vendorAccountId,
      ttlMs: options.directoryTtlMs ?? 60_000,
      interactiveDeadlineMs: options.interactiveDeadlineMs ?? 2_000,
      connectionRequired: options.vendorConnectionRequired ?? true,
    });
    this.delivery = new OutboxDelivery({
      db,
      api: this.api,
      field: this.field,
      directory: this.vendorDirectory,
      config,
      log: this.log,
      owner: this.owner,
      options: {
        batchSize: 50,
        leaseMs: this.leaseMs,
        maxAttempts: 12,
        backoff: this.backoff,
        budgetMs: 60_000,
        ...options.delivery,
      },
    });
  }

  /** Lets connection events wake other jobs (a vendor install → decide the pins waiting for it). */
  attach(scheduler: Scheduler): void {
    this.scheduler = scheduler;
  }

  deliverOutbox(signal?: AbortSignal): Promise<{ claimed: number }> {
    return this.delivery.run(signal);
  }

  processInstalls(signal?: AbortSignal): Promise<number> {
    const { db, config } = this.context;
    return processInstalls(
      {
        db,
        config,
        http: this.http,
        tokens: this.tokens,
        limiter: this.limiter,
        log: this.log,
        onConnected: (accountId) => {
          if (accountId === config.vendorAccountId) this.scheduler?.trigger(AMO_JOBS.pendingChecks);
        },
      },
      { leaseMs: this.leaseMs, backoff: { baseMs: 1_000, capMs: 60_000 }, signal },
    );
  }

  processWebhooks(signal?: AbortSignal): Promise<number> {
    const { db, config } = this.context;
    return processWebhooks(
      { db, config, api: this.api, field: this.field, directory: this.vendorDirectory, log: this.log },
      { leaseMs: this.leaseMs, backoff: this.backoff, signal },
    );
  }

  decidePendingChecks(signal?: AbortSignal) {
    const { db, config } = this.context;
    return decidePendingChecks(
      {
        db,
        directory: this.vendorDirectory.background,
        vendorAccountId: config.vendorAccountId,
        log: this.log,
      },
      { signal },
    );
  }

  enqueueRenewals(asOf: Date = new Date()): Promise<number> {
    return enqueueRenewalReminders(this.context.db, asOf);
  }

  /**
   * Keeps connections healthy: refreshes access tokens well before they expire (a rarely used account keeps
   * a living refresh token too), sends one probe to blocked accounts now and then, and forgets old webhooks.
   */
  async maintainConnections(signal?: AbortSignal): Promise<void> {
    const { db } = this.context;
    const expiring = await repo.connectionsExpiringWithin(
      db,
      this.options.proactiveRefreshMs ?? 6 * 3600_000,
    );
    for (const accountId of expiring) {
      if (signal?.aborted) return;
      const row = await repo.findConnection(db, accountId);
      if (!row || row.status !== 'active') continue;
      try {
        await this.tokens.refresh(accountId, row.token_version);
      } catch (error) {
        this.log.warn(
          { accountId, err: { message: (error as Error).message } },
          'proactive token refresh failed',
        );
      }
    }
    for (const accountId of await repo.blockedConnectionsToProbe(
      db,
      this.options.blockedProbeEveryMs ?? 30 * 60_000,
    )) {
      if (signal?.aborted) return;
      await this.probeBlocked(accountId);
    }
    await repo.pruneWebhookEvents(db, 30);
  }

  /** One request to a blocked account: a 200 means amoCRM lifted the block, and deliveries resume. */
  async probeBlocked(accountId: number): Promise<boolean> {
    const { db } = this.context;
    try {
      const grant = await this.tokens.access(accountId, { allowBlocked: true });
      const slot = await this.limiter.acquire(String(accountId));
      const response = await this.http
        .send({
          host: grant.host,
          method: 'GET',
          path: '/api/v4/account',
          accessToken: grant.accessToken,
          accountKey: accountId,
        })
        .finally(() => slot.done());
      if (response.status !== 200) return false;
    } catch (error) {
      this.log.info(
        { accountId, err: { message: (error as Error).message } },
        'blocked account probe failed',
      );
      return false;
    }
    await db.transaction().execute(async (trx) => {
      const row = await repo.setConnectionStatus(trx, accountId, 'active', null, { from: ['blocked'] });
      if (!row) return;
      await repo.resolveAlerts(trx, accountId, ['connection_blocked'], 'amoCRM answers again (probe)');
      await outbox.nudgeAccount(trx, accountId);
    });
    this.log.info({ accountId }, 'amoCRM block lifted: deliveries resume');
    return true;
  }

  /** The integration's background jobs, for `startJobs` (intervals are shortened in tests). */
  jobs(intervals: Partial<Record<keyof typeof AMO_JOBS, number | string>> = {}): JobDefinition[] {
    // A job is named by its key in AMO_JOBS, so a test's shorter interval can only reach the job it names.
    const job = (
      key: keyof typeof AMO_JOBS,
      every: string,
      work: (signal: AbortSignal) => Promise<unknown>,
    ): JobDefinition => ({
      name: AMO_JOBS[key],
      every: intervals[key] ?? every,
      run: async ({ signal }) => void (await work(signal)),
    });
    return [
      job('deliver', '15 seconds', (signal) => this.deliverOutbox(signal)),
      job('installs', '30 seconds', (signal) => this.processInstalls(signal)),
      job('webhooks', '30 seconds', (signal) => this.processWebhooks(signal)),
      job('pendingChecks', '1 minute', (signal) => this.decidePendingChecks(signal)),
      job('maintain', '5 minutes', (signal) => this.maintainConnections(signal)),
      {
        ...job('renewals', '0 6 * * *', async () => {
          const queued = await this.enqueueRenewals();
          this.log.info({ queued }, 'renewal reminders queued');
        }),
        timezone: PROGRAM_TIME_ZONE,
      },
    ];
  }
}

export function createAmoIntegration(context: AppContext, options?: AmoIntegrationOptions): AmoIntegration {
  return new AmoIntegration(context, options);
}

/** Which job a NOTIFY from a table wakes. */
const JOB_OF_TABLE: Record<string, string> = {
  outbox: AMO_JOBS.deliver,
  amo_installs: AMO_JOBS.installs,
  amo_webhook_events: AMO_JOBS.webhooks,
};

export interface AmoWorkers {
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/**
 * Starts the background side: agenda with the integration's jobs (plus `extraJobs`, e.g. the payout
 * schedule), and a LISTEN on `amo_work` so work committed anywhere (any process, any module writing the
 * outbox) is picked up at once. The recurring runs are the safety net for a NOTIFY lost to a crash.
 */
export async function startAmoWorkers(
  amo: AmoIntegration,
  options: {
    databaseUrl: string;
    log: Logger;
    jobs?: JobsOptions;
    extraJobs?: JobDefinition[];
    intervals?: Partial<Record<keyof typeof AMO_JOBS, number | string>>;
  },
): Promise<AmoWorkers> {
  const scheduler = await startJobs(
    { databaseUrl: options.databaseUrl, log: options.log },
    [...amo.jobs(options.intervals), ...(options.extraJobs ?? [])],
    options.jobs,
  );
  amo.attach(scheduler);
  const listener = await listenForWork(options.databaseUrl, options.log, (table) => {
    const job = JOB_OF_TABLE[table];
    if (job) scheduler.trigger(job);
  });
  return {
    scheduler,
    async stop() {
      await listener.stop();
      await scheduler.stop();
    },
  };
}

/** A dedicated LISTEN connection that reconnects by itself; after a reconnect every job is woken once. */
async function listenForWork(
  databaseUrl: string,
  log: Logger,
  onWork: (table: string) => void,
): Promise<{ stop(): Promise<void> }> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delayMs = 1000;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => onWork(message.payload ?? ''));
    next.on('error', (error) => {
      log.warn({ err: { message: error.message } }, 'amo_work LISTEN connection lost');
      next.end().catch(() => undefined);
      if (client === next) client = undefined;
      schedule();
    });
    await next.connect();
    await next.query('LISTEN amo_work');
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
    delayMs = 1000;
  };
  const schedule = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().then(
        () => Object.keys(JOB_OF_TABLE).forEach((table) => onWork(table)),
        () => {
          delayMs = Math.min(30_000, delayMs * 2);
          schedule();
        },
      );
    }, delayMs);
  };

  await connect();
  return {
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
