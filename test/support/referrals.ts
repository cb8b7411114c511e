/**
 * FIXTURES, not the public API, for the referral-tree tests: the rows the payment path writes for a referral
 * program's other lines (a referrer's share of a payment, the new client's side of a two-sided reward), for
 * trees the tests' programs would not make (three levels, partial reversals). `test/api/referrals-posted.test.ts`
 * reads the rows the payment path itself writes.
 */
import { sql } from 'kysely';
import { createId } from '../../server/src/ids';
import type { TestApp } from './app';

/**
 * A referrer's share of a payment, as the engine's upline lines record it: a commission of its own on the
 * payment (`upline_depth` 1 for the attributed partner's referrer, 2 above), attributed like the partner's.
 */
export async function insertShare(
  app: TestApp,
  share: { paymentId: string; partnerId: string; depth: number; minor: number; reversedMinor?: number },
): Promise<void> {
  await sql`
    INSERT INTO commissions (id, payment_id, partner_id, pin_id, link_click_id, promo_code, channel, gross_minor,
                             rate_bps, commission_minor, currency, payable, reason, reversed_minor, accrued_at,
                             upline_depth)
    SELECT ${createId('com')}, payment_id, ${share.partnerId}, pin_id, link_click_id, promo_code, channel,
           gross_minor, 500, ${share.minor}, currency, payable, NULL, ${share.reversedMinor ?? 0}, accrued_at,
           ${share.depth}
      FROM commissions WHERE payment_id = ${share.paymentId} AND upline_depth IS NULL
  `.execute(app.db.db);
}

/** The client's side of a two-sided reward (points), brought by `partnerId`'s code or link. */
export async function insertClientReward(
  app: TestApp,
  reward: {
    paymentId: string;
    clientAccountId: number;
    partnerId: string;
    ruleId: string;
    minor: number;
    reversedMinor?: number;
    at: string;
  },
): Promise<void> {
  await app.db.db
    .insertInto('client_rewards')
    .values({
      id: createId('crw'),
      payment_id: reward.paymentId,
      client_account_id: BigInt(reward.clientAccountId),
      partner_id: reward.partnerId,
      rule_id: reward.ruleId,
      form: 'points',
      amount_minor: BigInt(reward.minor),
      reversed_minor: BigInt(reward.reversedMinor ?? 0),
      currency: 'RUB',
      calculation: 'фикстура',
      program_version: 1,
      accrued_at: reward.at,
    })
    .execute();
}
