import type { Logger } from 'pino';
import type { Db } from '../db/pool';
import { AmoDeadlineError } from './amo.errors';
import * as repo from './amo.repository';
import { RateLimiter, releaseOnce, type Priority, type RateLimiterOptions, type Slot } from './rate-limiter';

/**
 * The throttle across processes (issue 16): amoCRM counts 7 requests per second per account whoever sends
 * them, so with several server processes (WEB_CONCURRENCY, or several machines) each one's own window is not
 * enough. This process's `RateLimiter` still orders its callers (interactive first) and spaces them; then,
 * holding its local slot, the caller takes a slot of the account's window in PostgreSQL (`amo_take_slot`,
 * migration 018), waiting as long as the database says when other processes have filled it. A 429 pauses the
 * key for everyone. The database's clock is the one all processes share, so their clocks need not agree.
 */
export class SharedRateLimiter extends RateLimiter {
  constructor(
    private readonly db: Db,
    private readonly shared: Required<Pick<RateLimiterOptions, 'limit' | 'windowMs' | 'safetyMs'>> &
      RateLimiterOptions,
    private readonly log: Logger,
  ) {
    super(shared);
  }

  override async acquire(
    key: string,
    options: { priority?: Priority; deadline?: number } = {},
  ): Promise<Slot> {
    const slot = await super.acquire(key, options);
    const windowMs = this.shared.windowMs + this.shared.safetyMs;
    try {
      for (;;) {
        const taken = await repo.takeRateSlot(this.db, key, this.shared.limit, windowMs);
        if ('grantedAt' in taken) return this.sharedSlot(key, slot, taken.grantedAt);
        if (options.deadline !== undefined && Date.now() + taken.waitMs > options.deadline)
          throw new AmoDeadlineError(`no amoCRM request slot for ${key} before the deadline`, key);
        await new Promise((resolve) => setTimeout(resolve, taken.waitMs));
      }
    } catch (error) {
      slot.done();
      throw error;
    }
  }

  /** Done once for both windows: this process's, and the shared one, where it then counts from its answer. */
  private sharedSlot(key: string, local: Slot, grantedAt: string): Slot {
    return releaseOnce(() => {
      local.done();
      repo.finishRateSlot(this.db, key, grantedAt).catch((error: unknown) => {
        // It keeps counting from its grant: the shared window is only stricter for a moment.
        this.log.warn({ key, err: { message: (error as Error).message } }, 'could not finish an amoCRM slot');
      });
    });
  }

  override pause(key: string, ms: number): void {
    super.pause(key, ms);
    repo.pauseRateKey(this.db, key, ms).catch((error: unknown) => {
      // The local pause holds this process back regardless; the others meet the 429 themselves.
      this.log.warn({ key, err: { message: (error as Error).message } }, 'could not share an amoCRM pause');
    });
  }

  override record(key: string, at: number): void {
    super.record(key, at);
    repo.recordRateSlot(this.db, key, this.shared.limit).catch((error: unknown) => {
      this.log.warn({ key, err: { message: (error as Error).message } }, 'could not share an amoCRM request');
    });
  }
}
