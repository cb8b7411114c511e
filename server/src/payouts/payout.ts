import { z } from 'zod';

/** A payout run for a date: one reward invoice per partner past the hold and above the minimum. */
export const PayoutRunView = z.object({
  runId: z.string(),
  asOf: z.string(),
  /** false when this date had already run: the same run is answered again. */
  created: z.boolean(),
  invoicesCreated: z.number(),
  totalMinor: z.number(),
});
export const PayoutRunListView = z.object({ items: z.array(PayoutRunView.omit({ created: true })) });
