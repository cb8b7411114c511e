import { AmoDeadlineError } from './amo.errors';
import { RateLimiter } from './rate-limiter';

/**
 * The limiter runs on Jest's fake clock (Date.now and setTimeout), so grant times are exact and a loaded
 * machine cannot bunch or spread them: the assertions are about the limiter's schedule, not the host's speed.
 */
beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

/** Grants slots as fast as the limiter allows and records when, on the fake clock. */
async function grantTimes(limiter: RateLimiter, key: string, n: number): Promise<number[]> {
  const times: number[] = [];
  const all = Promise.all(
    Array.from({ length: n }, () => limiter.acquire(key).then(() => void times.push(Date.now()))),
  );
  await jest.advanceTimersByTimeAsync(10_000);
  await all;
  return times.sort((a, b) => a - b);
}

function maxInAnyWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + windowMs).length;
    max = Math.max(max, inWindow);
  }
  return max;
}

describe('RateLimiter', () => {
  it('never grants more than `limit` in any window, for concurrent callers', async () => {
    const limiter = new RateLimiter({ limit: 7, windowMs: 100, safetyMs: 10 });
    const times = await grantTimes(limiter, 'a', 30);
    expect(times).toHaveLength(30);
    expect(maxInAnyWindow(times, 110)).toBe(7);
    // Seven at once, then seven each window plus safety: 30 grants end at the fifth window.
    const start = times[0]!;
    expect([...new Set(times.map((t) => t - start))]).toEqual([0, 110, 220, 330, 440]);
  });

  it('counts a done slot from its answer: a slow request pushes the next one a full window past it', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 100, safetyMs: 10 });
    const start = Date.now();
    const slow = await limiter.acquire('a');
    // Not answered yet: the slot counts from its grant.
    expect(limiter.nextSlotAt('a')).toBe(start + 110);
    let nextAt = 0;
    const next = limiter.acquire('a').then(() => void (nextAt = Date.now()));
    // The answer comes 60 ms later (a loaded host, a slow network): amoCRM may have counted the request
    // only just now, so the next one must not go at start + 110.
    await jest.advanceTimersByTimeAsync(60);
    slow.done();
    slow.done(); // a second done changes nothing
    expect(limiter.nextSlotAt('a')).toBe(start + 60 + 110);
    await jest.advanceTimersByTimeAsync(200);
    await next;
    expect(nextAt - start).toBe(170);
  });

  it('keeps accounts independent', async () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 10_000, safetyMs: 0 });
    await limiter.acquire('a');
    await limiter.acquire('a');
    await limiter.acquire('b');
    await limiter.acquire('b');
    expect(limiter.nextSlotAt('a')).toBe(Date.now() + 10_000);
    expect(limiter.nextSlotAt('c')).toBe(0);
  });

  it('serves interactive callers before background ones', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 30, safetyMs: 0 });
    await limiter.acquire('a');
    const order: string[] = [];
    const background = limiter.acquire('a', { priority: 'background' }).then(() => order.push('background'));
    const interactive = limiter
      .acquire('a', { priority: 'interactive' })
      .then(() => order.push('interactive'));
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all([background, interactive]);
    expect(order).toEqual(['interactive', 'background']);
  });

  it('pauses the whole key after a 429 and refuses callers whose deadline comes first', async () => {
    const limiter = new RateLimiter({ limit: 7, windowMs: 1000, safetyMs: 0 });
    const paused = Date.now();
    limiter.pause('a', 150);
    const refused = expect(limiter.acquire('a', { deadline: Date.now() + 30 })).rejects.toBeInstanceOf(
      AmoDeadlineError,
    );
    let grantedAt = 0;
    const granted = limiter.acquire('a').then(() => void (grantedAt = Date.now()));
    await jest.advanceTimersByTimeAsync(200);
    await refused;
    await granted;
    expect(grantedAt - paused).toBe(150);
  });
});
