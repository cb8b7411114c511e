import { AmoDeadlineError } from './amo.errors';

export type Priority = 'interactive' | 'background';

export interface RateLimiterOptions {
  /** Requests allowed in any window (amoCRM: 7 per second per account). */
  limit: number;
  windowMs: number;
  /**
   * Extra spacing added to the window. We count a request when we send it; amoCRM counts it when it arrives.
   * A request that travels slower than the next one would otherwise land inside the previous second.
   */
  safetyMs: number;
  now?: () => number;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/** One granted request: counted from its grant until it is done, from then on from when it finished. */
interface Sent {
  at: number;
}

/** What `acquire` hands back: call `done()` when the request's answer (or failure) came back. */
export interface Slot {
  done(): void;
}

/** A slot that releases once however often `done` is called: a caller may end it on every path it takes. */
export function releaseOnce(release: () => void): Slot {
  let done = false;
  return {
    done: () => {
      if (done) return;
      done = true;
      release();
    },
  };
}

interface KeyState {
  /** The last `limit` requests, by the time they count from, oldest first. */
  granted: Sent[];
  /** Granted slots not yet done: the key is not forgotten while one is out. */
  inFlight: number;
  pausedUntil: number;
  interactive: Waiter[];
  background: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * Throttles amoCRM calls before they are sent: at most `limit` requests in any `windowMs + safetyMs` per
 * key (an account id), across every concurrent caller in this process. Interactive callers (a partner waiting
 * for a pin answer) go before background deliveries. A 429 pauses the whole key, not just the caller that got
 * it, so no queued request runs into the same wall.
 *
 * The limit holds per process; `SharedRateLimiter` adds the window shared by every process on the database,
 * which the server always uses.
 */
export class RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Resolves when a request for `key` may be sent. With a `deadline` (epoch ms), rejects with
   * AmoDeadlineError if no slot is free by then.
   *
   * Call the slot's `done()` when the answer came back. amoCRM counts a request when it arrives, which on a
   * loaded host or a slow network can be long after we granted it; it has surely arrived once it is
   * answered. So a done slot counts from its answer, and the next request in its place waits a full window
   * after that, however late the request travelled. A slot never done counts from its grant.
   */
  acquire(key: string, options: { priority?: Priority; deadline?: number } = {}): Promise<Slot> {
    const state = this.state(key);
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const queue = options.priority === 'interactive' ? state.interactive : state.background;
      queue.push(waiter);
      if (options.deadline !== undefined) {
        waiter.timer = setTimeout(
          () => {
            const index = queue.indexOf(waiter);
            if (index < 0) return;
            queue.splice(index, 1);
            reject(new AmoDeadlineError(`no amoCRM request slot for ${key} before the deadline`, key));
          },
          Math.max(0, options.deadline - this.now()),
        );
      }
      this.pump(key, state);
    });
  }

  /** amoCRM said 429: nobody sends for this key until `ms` from now (and the window is full). */
  pause(key: string, ms: number): void {
    const state = this.state(key);
    state.pausedUntil = Math.max(state.pausedUntil, this.now() + ms);
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.pump(key, state);
  }

  /**
   * Counts a request that was sent under another key against `key` too: the install's first call is
   * throttled by host because the account id is only known from its answer.
   */
  record(key: string, at: number): void {
    this.count(this.state(key), { at });
  }

  /** Adds a request to the key's window, keeping the newest `limit` by the time they count from. */
  private count(state: KeyState, sent: Sent): void {
    state.granted.push(sent);
    state.granted.sort((a, b) => a.at - b.at);
    while (state.granted.length > this.options.limit) state.granted.shift();
  }

  private slot(key: string, state: KeyState, sent: Sent): Slot {
    return releaseOnce(() => {
      sent.at = Math.max(sent.at, this.now());
      state.granted.sort((a, b) => a.at - b.at);
      state.inFlight -= 1;
      if (state.timer) {
        clearTimeout(state.timer);
        state.timer = undefined;
      }
      this.pump(key, state);
    });
  }

  /** The earliest time the next request for `key` may go (for tests and diagnostics). */
  nextSlotAt(key: string): number {
    return this.earliest(this.state(key));
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { granted: [], inFlight: 0, pausedUntil: 0, interactive: [], background: [] };
      this.keys.set(key, state);
    }
    return state;
  }

  private earliest(state: KeyState): number {
    const full = state.granted.length >= this.options.limit;
    const windowFree = full
      ? state.granted[state.granted.length - this.options.limit]!.at +
        this.options.windowMs +
        this.options.safetyMs
      : 0;
    return Math.max(state.pausedUntil, windowFree);
  }

  private pump(key: string, state: KeyState): void {
    if (state.timer) return;
    for (;;) {
      const waiter = state.interactive[0] ?? state.background[0];
      if (!waiter) {
        // Idle keys are forgotten once their last grant has left the window, so the map stays small.
        const last = state.granted[state.granted.length - 1]?.at ?? 0;
        const now = this.now();
        if (
          state.inFlight === 0 &&
          state.pausedUntil <= now &&
          last + this.options.windowMs + this.options.safetyMs <= now
        )
          this.keys.delete(key);
        return;
      }
      const now = this.now();
      const at = this.earliest(state);
      if (at > now) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.pump(key, state);
        }, at - now);
        return;
      }
      (state.interactive[0] === waiter ? state.interactive : state.background).shift();
      if (waiter.timer) clearTimeout(waiter.timer);
      const sent: Sent = { at: now };
      this.count(state, sent);
      state.inFlight += 1;
      waiter.resolve(this.slot(key, state, sent));
    }
  }
}
