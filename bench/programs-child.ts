/**
 * One program computation in a fresh process (forked by programs.ts), so its peak memory is its own: the daily
 * tier recompute (`recordTiers`) or a settlement run (`settleDue`), in one transaction as the job and the admin's
 * settle call them, with RSS and heap sampled every 20 ms.
 */
import { createDb } from '../server/src/db/pool';
import { recordTiers } from '../server/src/programs/program.service';
import { settleDue } from '../server/src/settlements/settlement.service';
import { sampleMemory } from './memory';

export interface ProgramsChildResult {
  wallMs: number;
  /** Partners whose tier was recorded, or settlements recorded. */
  recorded: number;
  rssBefore: number;
  rssPeak: number;
  heapPeak: number;
}

async function main(
  job: 'tiers' | 'settle',
  databaseUrl: string,
  asOf: string,
): Promise<ProgramsChildResult> {
  const handle = createDb(databaseUrl);
  await handle.pool.query('SELECT 1');
  const memory = sampleMemory();
  const t0 = performance.now();
  const recorded = await handle.db
    .transaction()
    .execute(async (trx) =>
      job === 'tiers'
        ? recordTiers(trx, asOf, 'reseller-tiers')
        : (await settleDue(trx, asOf, 'reseller-tiers', 1)).recorded,
    );
  const wallMs = performance.now() - t0;
  const { rssBefore, rssPeak, heapPeak } = memory.stop();
  await handle.close();
  return {
    wallMs,
    recorded,
    rssBefore,
    rssPeak,
    heapPeak,
  };
}

process.once('message', (m: { job: 'tiers' | 'settle'; databaseUrl: string; asOf: string }) => {
  main(m.job, m.databaseUrl, m.asOf).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`[programs] ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
