import type { Db, Tx } from '../db/pool';
import { AppError } from '../errors';
import { createId } from '../ids';
import { post } from '../ledger/ledger.service';
import { disputeCompensated } from '../ledger/postings';
import { getActivePartnerOrThrow } from '../partners/partner.service';
import { findPin } from '../pins/pin.service';
import * as repo from './dispute.repository';

/**
 * The one home of a dispute's life (RULES.md, rules 10 and 12): a partner opens one over a refused pin or
 * a missing commission; an admin decides it once, in the partner's favour with an optional compensation
 * posted to the ledger, or against.
 */

export type OpenDispute =
  | { kind: 'rejected_pin'; pinId: string; text: string }
  | { kind: 'missing_commission'; paymentExternalId: string; text: string };

export async function openDispute(db: Db, accountId: number, input: OpenDispute): Promise<repo.DisputeRow> {
  const partner = await getActivePartnerOrThrow(db, accountId);
  if (input.kind === 'rejected_pin') {
    const pin = await findPin(db, input.pinId);
    if (!pin || pin.partner_id !== partner.id) throw new AppError('not_found', 'No such pin');
    if (pin.status !== 'rejected') throw new AppError('conflict', 'Only a rejected pin can be disputed');
  }
  return repo.insertDispute(db, {
    id: createId('dsp'),
    partner_id: partner.id,
    kind: input.kind,
    pin_id: input.kind === 'rejected_pin' ? input.pinId : null,
    payment_external_id: input.kind === 'missing_commission' ? input.paymentExternalId : null,
    text: input.text,
  });
}

export interface Decision {
  decision: 'for_partner' | 'against_partner';
  reason: string;
  /** Only with `for_partner`; the route's schema refuses it otherwise. */
  compensationMinor?: bigint;
  currency: string;
  decidedByUserId: number;
}

export async function decideDispute(trx: Tx, id: string, decision: Decision): Promise<repo.DisputeRow> {
  const current = await repo.lockDispute(trx, id);
  if (!current) throw new AppError('not_found', 'No such dispute');
  if (current.status !== 'open') throw new AppError('conflict', 'This dispute is already decided');
  const compensation = decision.compensationMinor ?? null;
  const row = await repo.recordDecision(trx, id, {
    status: decision.decision === 'for_partner' ? 'decided_for_partner' : 'decided_against_partner',
    decision_reason: decision.reason,
    compensation_minor: compensation,
    currency: compensation === null ? null : decision.currency,
    decided_at: new Date(),
    decided_by_user_id: BigInt(decision.decidedByUserId),
  });
  if (compensation !== null) {
    // Rule 12: the vendor compensates the partner's loss; the dispute is the posting's reason.
    await post(
      trx,
      disputeCompensated({
        disputeId: row.id,
        partnerId: row.partner_id,
        amountMinor: compensation,
        currency: decision.currency,
        at: row.decided_at!,
      }),
    );
  }
  return row;
}
