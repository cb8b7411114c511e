/**
 * One payout run in a fresh process (forked by payout.ts), so its peak memory belongs to this run alone:
 * `runPayouts` in one transaction exactly as the admin route calls it, with RSS and heap sampled every 20 ms,
 * and the process's maxRSS from the kernel at the end.
 */
import { createDb } from '../server/src/db/pool';
import { runPayouts } from '../server/src/payouts/payout.service';
import { sampleMemory } from './memory';

export interface PayoutChildResult {
  wallMs: number;
  invoicesCreated: number;
  totalMinor: string;
  /** Before the run (after the pool connected), at the peak during it, and the kernel's maxRSS; bytes. */
  rssBefore: number;
  rssPeak: number;
  heapBefore: number;
  heapPeak: number;
  maxRss: number;
}

async function main(databaseUrl: string, asOf: string): Promise<PayoutChildResult> {
  const handle = createDb(databaseUrl);
  await handle.pool.query('SELECT 1');
  const memory = sampleMemory();
  const t0 = performance.now();
  const run = await handle.db.transaction().execute((trx) => runPayouts(trx, asOf));
  const wallMs = performance.now() - t0;
  const { rssBefore, rssPeak, heapBefore, heapPeak } = memory.stop();
  await handle.close();
  if (!run.created) throw new Error(`payout run for ${asOf} already existed`);
  return {
    wallMs,
    invoicesCreated: run.invoicesCreated,
    totalMinor: String(run.totalMinor),
    rssBefore,
    rssPeak,
    heapBefore,
    heapPeak,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

process.once('message', (message: { databaseUrl: string; asOf: string }) => {
  main(message.databaseUrl, message.asOf).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`[payout] ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
