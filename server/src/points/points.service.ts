import type { Db, Tx } from '../db/pool';
import { AppError } from '../errors';
import { createId } from '../ids';
import { accounts } from '../ledger/chart';
import type { PostingInput } from '../ledger/ledger';
import { balances, creditBalance, post } from '../ledger/ledger.service';
import { clientRewardAccrued, clientRewardReversed, pointsRedeemed } from '../ledger/postings';
import { reversalFor } from '../commissions/commission.rules';
import { partnerOfTypedCode } from '../links/link.service';
import { findPartnerByAccountId } from '../partners/partner.service';
import type { DiscountsView, PresetName } from '../programs/program';
import { discountAnswerOn, programInForce } from '../programs/program.service';
import { pointsRedeemableMinor, type RewardLine } from '../programs/program.rules';
import type { PointsView, RedemptionBody, RedemptionResult } from './points';
import * as repo from './points.repository';

type ClientForm = 'points' | 'discount';
const CLIENT_FORMS: readonly string[] = ['points', 'discount'] satisfies ClientForm[];

/**
 * The new client's side of a referral (seed 002), from the engine's client lines of one payment: a row each, and
 * a posting each — points onto the client account's points, a discount billing gave on this purchase as revenue
 * given up. A line of nothing, or of a form a client cannot hold, writes nothing (the program document refuses
 * such forms for clients).
 */
export async function accrueClientRewards(
  trx: Tx,
  p: {
    paymentId: string;
    clientAccountId: number;
    partnerId: string;
    currency: string;
    at: Date;
    programVersion: number;
    lines: readonly RewardLine[];
  },
  deferredPostings?: PostingInput[],
): Promise<void> {
  const rows = p.lines
    .filter((line) => line.amountMinor > 0n && CLIENT_FORMS.includes(line.form))
    .map((line) => ({
      id: createId('crw'),
      payment_id: p.paymentId,
      client_account_id: BigInt(p.clientAccountId),
      partner_id: p.partnerId,
      rule_id: line.ruleId,
      form: line.form as ClientForm,
      amount_minor: line.amountMinor,
      currency: p.currency,
      calculation: line.calculation,
      program_version: p.programVersion,
      accrued_at: p.at,
    }));
  await repo.insertClientRewards(trx, rows);
  for (const row of rows) {
    const posting = clientRewardAccrued({
      clientRewardId: row.id,
      paymentId: p.paymentId,
      clientAccountId: p.clientAccountId,
      form: row.form,
      amountMinor: row.amount_minor,
      currency: row.currency,
      at: p.at,
    });
    if (deferredPostings) deferredPostings.push(posting);
    else await post(trx, posting);
  }
}

/**
 * A refund takes back the client's side of the payment in the same proportion as the partner's reward (rule 17,
 * the same `reversalFor`), in full within the program's guarantee. Points already spent leave the balance below
 * zero: later points make it good, and nothing may be redeemed until then.
 */
export async function reverseClientRewards(
  trx: Tx,
  refund: {
    refundId: string;
    paymentId: string;
    grossMinor: bigint;
    refundedBeforeMinor: bigint;
    refundMinor: bigint;
    inFull: boolean;
    at: Date;
  },
): Promise<void> {
  for (const reward of await repo.lockClientRewardsOfPayment(trx, refund.paymentId)) {
    const reversal = reversalFor({
      commissionMinor: reward.amount_minor,
      grossMinor: refund.grossMinor,
      refundedBeforeMinor: refund.refundedBeforeMinor,
      refundMinor: refund.refundMinor,
      reversedBeforeMinor: reward.reversed_minor,
      inFull: refund.inFull,
    });
    if (reversal <= 0n) continue;
    await repo.addReversed(trx, reward.id, reward.reversed_minor + reversal);
    await post(
      trx,
      clientRewardReversed({
        clientRewardId: reward.id,
        refundId: refund.refundId,
        clientAccountId: Number(reward.client_account_id),
        form: reward.form,
        amountMinor: reversal,
        currency: reward.currency,
        at: refund.at,
      }),
    );
  }
}

async function balanceOf(db: Db, clientAccountId: number): Promise<bigint> {
  const code = accounts.clientReward(clientAccountId, 'points').code;
  return creditBalance(await balances(db, { codes: [code] }), code);
}

/** `GET /api/v1/points/:accountId`: the balance, and the most of a purchase it may pay under the program in force. */
export async function pointsOf(
  db: Db,
  accountId: number,
  purchaseMinor: number | undefined,
  preset: PresetName,
): Promise<PointsView> {
  const { document } = await programInForce(db, new Date(), preset);
  const balance = await balanceOf(db, accountId);
  return {
    accountId,
    currency: 'RUB',
    balanceMinor: Number(balance),
    purchaseMinor: purchaseMinor ?? null,
    redeemableMinor:
      purchaseMinor === undefined
        ? null
        : Number(pointsRedeemableMinor(document.policies, balance, BigInt(purchaseMinor))),
    maxShareBps: document.policies.pointsMaxShareBps ?? 10_000,
  };
}

/**
 * Billing reports that a client paid `amountMinor` of a purchase with points. Idempotent by `externalId` (the same
 * report again answers the first result; other data under the same id is a 409). Refused with 422 naming
 * `amountMinor` when the balance does not cover it, or when it is more than the program's share of the purchase
 * named. Redemptions of one account are serialised, so parallel reports never overspend the balance.
 */
export async function redeemPoints(
  trx: Tx,
  body: RedemptionBody,
  requestHash: string,
  preset: PresetName,
): Promise<{ result: RedemptionResult; replayed: boolean }> {
  await repo.lockPointsOf(trx, body.clientAccountId);
  const existing = await repo.findRedemption(trx, body.externalId);
  if (existing) {
    if (existing.request_hash !== requestHash)
      throw new AppError(
        'idempotency_key_reused',
        `Redemption ${body.externalId} was already reported with different data`,
      );
    return {
      result: {
        id: existing.id,
        externalId: existing.external_id,
        clientAccountId: Number(existing.client_account_id),
        amountMinor: Number(existing.amount_minor),
        balanceAfterMinor: Number(await balanceOf(trx, Number(existing.client_account_id))),
      },
      replayed: true,
    };
  }
  const redeemedAt = body.redeemedAt ? new Date(body.redeemedAt) : new Date();
  const amount = BigInt(body.amountMinor);
  const balance = await balanceOf(trx, body.clientAccountId);
  if (amount > balance)
    throw new AppError('unprocessable', `Only ${balance} of points are left on this account`, [
      {
        path: 'amountMinor',
        message: `more than the points balance (${balance > 0n ? balance : 0n})`,
        messageRu: 'Баллов на счёте меньше, чем списывается',
      },
    ]);
  if (body.purchaseMinor !== undefined) {
    const { document } = await programInForce(trx, redeemedAt, preset);
    const most = pointsRedeemableMinor(document.policies, balance, BigInt(body.purchaseMinor));
    if (amount > most)
      throw new AppError('unprocessable', 'Points may not pay this much of the purchase', [
        {
          path: 'amountMinor',
          message: `points may pay at most ${most} of this purchase (pointsMaxShareBps ${document.policies.pointsMaxShareBps ?? 10_000})`,
          messageRu: 'Баллами можно оплатить только часть покупки, установленную программой',
        },
      ]);
  }
  const id = createId('ptr');
  await repo.insertRedemption(trx, {
    id,
    external_id: body.externalId,
    request_hash: requestHash,
    client_account_id: BigInt(body.clientAccountId),
    amount_minor: amount,
    purchase_minor: body.purchaseMinor === undefined ? null : BigInt(body.purchaseMinor),
    currency: 'RUB',
    redeemed_at: redeemedAt,
  });
  await post(
    trx,
    pointsRedeemed({
      redemptionId: id,
      clientAccountId: body.clientAccountId,
      amountMinor: amount,
      currency: 'RUB',
      at: redeemedAt,
    }),
  );
  return {
    result: {
      id,
      externalId: body.externalId,
      clientAccountId: body.clientAccountId,
      amountMinor: body.amountMinor,
      balanceAfterMinor: Number(balance - amount),
    },
    replayed: false,
  };
}

/**
 * `GET /api/v1/discounts/:accountId?code=`: the friend's discount on a first purchase through a partner's promo
 * code (seed 002's MIF: 30 % off), for billing to apply at checkout. None unless the program in force that day
 * attributes by code and gives the client a discount, the code is a partner's, the account is not that partner's
 * own (a self-purchase) and, for a first-purchase rule, the account has not paid before.
 */
export async function friendDiscountOn(
  db: Db,
  accountId: number,
  on: string,
  code: string,
  preset: PresetName,
): Promise<DiscountsView> {
  const { doc, none, grant } = await discountAnswerOn(db, accountId, on, preset);
  const rule = doc.rewards.find(
    (r) => r.beneficiary === 'client' && r.form === 'discount' && r.amount.kind === 'percent',
  );
  const rateBps = rule?.amount.kind === 'percent' ? rule.amount.rateBps : undefined;
  if (doc.attribution.via !== 'code' || !rule || rateBps === undefined) return none;
  const partnerId = await partnerOfTypedCode(db, code);
  if (!partnerId || (await findPartnerByAccountId(db, accountId))?.id === partnerId) return none;
  const firstOnly = rule.on === 'first_payment' || doc.binding.earns === 'first_order';
  if (firstOnly && (await repo.hasPaid(db, accountId))) return none;
  return grant([{ category: '*', discountBps: rateBps }], {
    kind: 'referral',
    partnerId,
    ruleId: rule.id,
    minPurchaseMinor: rule.when?.minGrossMinor ?? null,
  });
}
