/**
 * The settings domain's door: other domains read the settings, the vendor's requisites and the price list
 * through here, never through the repository. The payout policy shown on the settings form is the program
 * document's (docs/PROGRAMS.md), so reading and changing it goes through the programs domain: a change is a
 * new program version in force from now, and past versions keep what they said.
 */
import type { Db, Tx } from '../db/pool';
import type { PresetName } from '../programs/program';
import { amendPayoutPolicy, payoutPolicyInForce } from '../programs/program.service';
import type { ProgramSettings } from './settings';
import * as repo from './settings.repository';

export {
  getPriceList,
  getRenewalReminderDays,
  getVendorRequisites,
  insertRateSchedule,
} from './settings.repository';

export async function getProgramSettings(
  db: Db,
  preset: PresetName,
  now = new Date(),
): Promise<ProgramSettings> {
  const payout = await payoutPolicyInForce(db, now, preset);
  return {
    holdDays: payout.holdDays,
    minPayoutMinor: payout.minMinor,
    payoutDaysOfMonth: payout.daysOfMonth,
    renewalReminderDays: await repo.getRenewalReminderDays(db),
  };
}

export async function updateProgramSettings(
  trx: Tx,
  patch: Partial<ProgramSettings>,
  actor: string,
  preset: PresetName,
  now = new Date(),
): Promise<ProgramSettings> {
  const { renewalReminderDays, holdDays, minPayoutMinor, payoutDaysOfMonth } = patch;
  if (renewalReminderDays !== undefined) await repo.setRenewalReminderDays(trx, renewalReminderDays);
  const payout = Object.fromEntries(
    Object.entries({ holdDays, minMinor: minPayoutMinor, daysOfMonth: payoutDaysOfMonth }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  if (Object.keys(payout).length) await amendPayoutPolicy(trx, payout, actor, now, preset);
  return getProgramSettings(trx, preset, now);
}
