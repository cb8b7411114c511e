import { AmoDeadlineError } from './amo.errors';
import { RateLimiter } from './rate-limiter';

/** Grants slots as fast as the limiter allows and records when; a short window keeps the test quick. */
async function grantTimes(limiter: RateLimiter, key: string, n: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: n }, () => limiter.acquire(key).then(() => void times.push(Date.now()))),
  );
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
    expect(maxInAnyWindow(times, 100)).toBeLessThanOrEqual(7);
  });

  it('keeps accounts independent', async () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 10_000, safetyMs: 0 });
    await limiter.acquire('a');
    await limiter.acquire('a');
    await limiter.acquire('b');
    await limiter.acquire('b');
    expect(limiter.nextSlotAt('a')).toBeGreaterThan(Date.now() + 9_000);
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
    await Promise.all([background, interactive]);
    expect(order).toEqual(['interactive', 'background']);
  });

  it('pauses the whole key after a 429 and refuses callers whose deadline comes first', async () => {
    const limiter = new RateLimiter({ limit: 7, windowMs: 1000, safetyMs: 0 });
    const paused = Date.now();
    limiter.pause('a', 150);
    await expect(limiter.acquire('a', { deadline: Date.now() + 30 })).rejects.toBeInstanceOf(
      AmoDeadlineError,
    );
    await limiter.acquire('a');
    expect(Date.now() - paused).toBeGreaterThanOrEqual(140);
  });
});
