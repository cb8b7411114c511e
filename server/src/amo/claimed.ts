/**
 * Works through a queue of leased rows (stored installs, webhook events): claims a batch, handles each row,
 * and claims again until nothing is left or the job is stopped. Returns how many rows `handle` counted as done.
 */
export async function drainClaimed<T>(
  claim: () => Promise<T[]>,
  handle: (row: T) => Promise<boolean>,
  signal: AbortSignal | undefined,
): Promise<number> {
  let done = 0;
  for (;;) {
    if (signal?.aborted) break;
    const rows = await claim();
    if (rows.length === 0) break;
    for (const row of rows) if (await handle(row)) done += 1;
  }
  return done;
}
