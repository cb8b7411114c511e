import { z } from 'zod';
import { PastInstant, PlannedInstant } from '../instants';
import { AccountId } from '../pins/pin';
import { idOf } from '../ids';
import { VISITOR_ID } from '../links/link';
import { PartnerTerms, Payability } from '../programs/program';

const Money = z.number().int().positive().max(1e13);
const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
  .default('RUB');

export const PaymentBody = z
  .strictObject({
    externalId: z.string().trim().min(1).max(200),
    clientAccountId: AccountId,
    grossMinor: Money,
    currency: Currency,
    channel: z.enum(['vendor_direct', 'partner_net']),
    paidAt: PastInstant,
    productCode: z.string().trim().min(1).max(100).optional(),
    /** The product's category (VPS, Dedic, SSL, …): tiers and measures filter by it (seeds 003, 004). */
    productCategory: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a lowercase category code: letters, digits, "_", "-", "."')
      .optional(),
    /**
     * The price before the partner's discount, when the reward is a discount (`grossMinor` stays what was paid);
     * measures of revenue before discount sum it (seed 004).
     */
    listMinor: Money.optional(),
    /**
     * Billing's order this payment pays. Optional; when given, a later payment of the same order (paid twice by
     * mistake) earns nothing, while the first payment of it is not refunded in full.
     */
    orderId: z.string().trim().min(1).max(200).optional(),
    periodEnd: PlannedInstant.optional(),
    netInvoiceId: idOf('inv').optional(),
    /**
     * Who referred the client: the visitor id the partner link's landing passed on (link programs, seed 000), or
     * the partner's promo code the client typed (code programs, seed 002).
     */
    referral: z
      .strictObject({
        visitorId: z.string().regex(VISITOR_ID, 'must be an amop_visitor id').optional(),
        /** The promo code the client typed at checkout, as typed (seed 002): case, spaces and dashes are ignored. */
        code: z.string().trim().min(1).max(40).optional(),
      })
      .refine((r) => r.visitorId !== undefined || r.code !== undefined, {
        message: 'give visitorId, code, or both',
        params: { ru: 'укажите visitorId или code' },
      })
      .optional(),
    /**
     * Who paid, for the self-purchase check against the partner's own identities (PROGRAMS.md). Used for the
     * check only and never stored or logged: it is personal data.
     */
    payer: z
      .strictObject({
        email: z.string().trim().max(200).optional(),
        phone: z.string().trim().max(40).optional(),
        cardHash: z.string().trim().max(200).optional(),
        ip: z.string().trim().max(100).optional(),
      })
      .optional(),
  })
  .refine((p) => p.listMinor === undefined || p.listMinor >= p.grossMinor, {
    path: ['listMinor'],
    message: 'the price before the discount cannot be below what was paid (grossMinor)',
    params: { ru: 'цена до скидки не может быть меньше оплаченной суммы' },
  });
export type PaymentBody = z.infer<typeof PaymentBody>;

export const CommissionSummary = z.object({
  partnerId: z.string(),
  rateBps: z.number(),
  commissionMinor: z.number(),
  ...Payability,
});
export const PaymentResult = z.object({ id: z.string(), commission: CommissionSummary.nullable() });
export type PaymentResult = z.infer<typeof PaymentResult>;

export const RefundBody = z.strictObject({
  externalId: z.string().trim().min(1).max(200),
  paymentExternalId: z.string().trim().min(1).max(200),
  amountMinor: Money,
  refundedAt: PastInstant,
});
export const RefundResult = z.object({ id: z.string(), reversalMinor: z.number() });

export const CommissionRow = z.object({
  id: z.string(),
  paymentId: z.string(),
  /** Billing's id of the payment: the one a `missing_commission` dispute names. */
  externalPaymentId: z.string(),
  clientAccountId: z.number(),
  channel: z.enum(['vendor_direct', 'partner_net']),
  grossMinor: z.number(),
  rateBps: z.number(),
  commissionMinor: z.number(),
  reversedMinor: z.number(),
  currency: z.string(),
  ...Payability,
  status: z.enum(['accrued', 'partially_reversed', 'reversed']),
  paidAt: z.string(),
  productCode: z.string().nullable(),
  /** The program version and the calculation in words that made it (null for rows from before the engine). */
  programVersion: z.number().nullable(),
  calculation: z.string().nullable(),
});

export const Balance = z.object({
  currency: z.string(),
  earnedMinor: z.number(),
  reversedMinor: z.number(),
  paidOutMinor: z.number(),
  payableMinor: z.number(),
  notPayableMinor: z.number(),
  keptMinor: z.number(),
  invoicedMinor: z.number(),
  compensationMinor: z.number(),
  /** What the partner lost when it was blocked without payout (seed 000). */
  forfeitedMinor: z.number(),
});

/** One month (Moscow time) of a partner's commissions, for the earnings chart. */
export const MonthlyEarning = z.object({
  month: z.string(),
  commissionMinor: z.number(),
  reversedMinor: z.number(),
});

/** One payment the program refused as the partner's own purchase (the admins' fraud queue). */
export const SelfPurchaseView = z.object({
  paymentId: z.string(),
  externalPaymentId: z.string(),
  partnerId: z.string(),
  clientAccountId: z.number(),
  grossMinor: z.number(),
  currency: z.string(),
  paidAt: z.string(),
});
export const SelfPurchaseList = z.object({
  items: z.array(SelfPurchaseView),
  nextCursor: z.string().nullable(),
});

/**
 * Why a payment attributed to a partner earned nothing, in the partner's words (the engine's codes,
 * programs/program.rules.ts `NoRewardReason`). A code the engine adds later is listed with its code.
 */
export const NO_REWARD_WORDS_RU: Record<string, string> = {
  not_attributed: 'платёж не привязан к партнёру',
  attribution_expired: 'переход по ссылке раньше окна атрибуции',
  not_first_order: 'не первый заказ клиента',
  order_paid_twice: 'повторная оплата уже оплаченного заказа',
  below_minimum: 'сумма заказа меньше минимальной',
  conditions_not_met: 'платёж не подходит под условия программы',
  unknown_code: 'промокод не принадлежит ни одному партнёру',
  outside_binding: 'вне срока, за который начисляется вознаграждение',
  self_purchase: 'покупка по собственной ссылке',
};

/**
 * One order (a client payment) attributed to the partner, for the per-order statistics (seed 000 item 6):
 * its reward with the calculation, or why it earned nothing.
 */
export const OrderView = z.object({
  paymentId: z.string(),
  /** Billing's id of the payment (its order). */
  orderId: z.string(),
  paidAt: z.string(),
  clientAccountId: z.number(),
  productCode: z.string().nullable(),
  grossMinor: z.number(),
  currency: z.string(),
  refundedMinor: z.number(),
  reward: z
    .object({
      commissionId: z.string(),
      amountMinor: z.number(),
      reversedMinor: z.number(),
      rateBps: z.number(),
      /** The partner's level the order was rewarded at, when the program has levels and the rule uses them. */
      levelCode: z.string().nullable(),
      calculation: z.string().nullable(),
      programVersion: z.number().nullable(),
      ...Payability,
    })
    .nullable(),
  noReward: z.object({ reason: z.string(), text: z.string() }).nullable(),
});
export const OrderList = z.object({ items: z.array(OrderView), nextCursor: z.string().nullable() });

export const OrderSummary = z.object({
  clicks: z.number(),
  visitors: z.number(),
  /** Attributed orders: those that earned and those that did not (with a reason). */
  orders: z.number(),
  rewardedOrders: z.number(),
  currency: z.string(),
  rewardMinor: z.number(),
  reversedMinor: z.number(),
  /** The partner's level now, as `GET /api/v1/program` gives it. */
  level: PartnerTerms.shape.level,
});
