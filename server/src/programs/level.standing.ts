/**
 * What a partner's rewards depend on under a program with models (seed 004), on a Moscow date: its model, its level
 * and the model whose terms it earns on, and its reward choice for a client. Read by the payment path
 * (`program.service.ts` › `evaluateAttributedPayment`) in one small query, only when the program has models, and
 * by billing's discounts.
 */
import type { Db } from '../db/pool';
import { effectiveModel, rewardChoice } from './level.rules';
import { standingOn } from './level.repository';
import type { ProgramDocument } from './program';

export interface PartnerStanding {
  /** The model the admin set, in force on the date. */
  model: string | null;
  /** The partner's level on the date: the recorded history, else the kept level from the contract on. */
  level: string | null;
  /** The model whose terms the partner earns on at that level (an Agent at Basic earns as a Referral). */
  earnsAs: string | null;
  /** The reward choice for the client asked about: the partner's, else the model's default. */
  choice: string | null;
}

export async function partnerStandingOn(
  db: Db,
  doc: ProgramDocument,
  partnerId: string,
  date: string,
  clientAccountId: number | null,
): Promise<PartnerStanding> {
  const models = doc.models ?? [];
  const s = await standingOn(db, partnerId, date, clientAccountId);
  const keep = doc.levels?.keep;
  // Before the first review has run the contract alone decides: the kept level from its day on (seed 004), the
  // lower level without one.
  const level = s.level ?? (keep ? (s.contracted ? keep.level : keep.demoteTo) : null);
  const earnsAs = effectiveModel(models, s.model, level);
  return { model: s.model, level, earnsAs, choice: rewardChoice(models, earnsAs, s.choice) };
}
