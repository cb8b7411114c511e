import { z } from 'zod';
import { decodeCursor, ListQuery, page, pageById, pageOf } from '../http/pagination';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import { requestHash } from '../idempotency/idempotency';
import { partnerClickTotals } from '../links/link.service';
import { findPartnerByAccountId } from '../partners/partner.service';
import { AccountIdParam } from '../pins/pin';
import type { ProgramVersion } from '../programs/program';
import { presetOf } from '../programs/program.presets';
import {
  partnerLevelNow,
  programHistory,
  programInForce,
  rewardLevelCode,
} from '../programs/program.service';
import {
  Balance,
  CommissionRow,
  MonthlyEarning,
  NO_REWARD_WORDS_RU,
  OrderList,
  OrderSummary,
  PaymentBody,
  PaymentResult,
  RefundBody,
  RefundResult,
  SelfPurchaseList,
} from './commission';
import * as repo from './commission.repository';
import { recordCommonPayment } from './payment-lean.service';
import { recordPayment, recordRefund } from './payment.service';
import { answerRecorded, recordedResponses } from '../http/recorded';

type ListedCommission = Awaited<ReturnType<typeof repo.listCommissions>>[number];
const toRow = (c: ListedCommission) => ({
  id: c.id,
  paymentId: c.payment_id,
  externalPaymentId: c.external_id,
  clientAccountId: Number(c.client_account_id),
  channel: c.channel,
  grossMinor: Number(c.gross_minor),
  rateBps: c.rate_bps,
  commissionMinor: Number(c.commission_minor),
  reversedMinor: Number(c.reversed_minor),
  currency: c.currency,
  payable: c.payable,
  reason: c.reason,
  status:
    c.reversed_minor === 0n
      ? ('accrued' as const)
      : c.reversed_minor === c.commission_minor
        ? ('reversed' as const)
        : ('partially_reversed' as const),
  paidAt: c.paid_at.toISOString(),
  productCode: c.product_code,
  programVersion: c.program_version,
  calculation: c.calculation,
});

/** The `?cursor=` of the orders list: the last order shown, by paid date and payment id. */
const OrderCursor = z.object({ paidAt: z.string().datetime(), id: z.string() });

function toOrder(o: repo.OrderRowDb, versions: Map<number, ProgramVersion>) {
  return {
    paymentId: o.payment_id,
    orderId: o.external_id,
    paidAt: o.paid_at.toISOString(),
    clientAccountId: Number(o.client_account_id),
    productCode: o.product_code,
    grossMinor: Number(o.gross_minor),
    currency: o.currency,
    refundedMinor: Number(o.refunded_minor),
    reward:
      o.commission_id === null
        ? null
        : {
            commissionId: o.commission_id,
            amountMinor: Number(o.commission_minor),
            reversedMinor: Number(o.reversed_minor),
            rateBps: o.rate_bps!,
            levelCode: rewardLevelCode(
              o.program_version === null ? undefined : versions.get(o.program_version),
              o.rule_id,
              o.level_measure ?? 0,
            ),
            calculation: o.calculation,
            programVersion: o.program_version,
            payable: o.payable!,
            reason: o.reason,
          },
    noReward:
      o.no_reward_reason === null
        ? null
        : {
            reason: o.no_reward_reason,
            text: NO_REWARD_WORDS_RU[o.no_reward_reason] ?? o.no_reward_reason,
          },
  };
}

/** Billing's money endpoints and the partner's view of its commissions and balance (rules 14–18). */
export const commissionRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/payments',
    summary:
      'Billing: a client payment; one commission for a client pinned or attributed on the payment date',
    tag: 'billing',
    auth: 'billing',
    body: PaymentBody,
    responses: {
      ...recordedResponses(PaymentResult, {
        created: 'Recorded',
        existing: 'The same payment again: the first result',
      }),
      409: {
        description: 'The same externalId with other data, or a netInvoiceId another payment already settled',
      },
    },
    // The common payment in one statement, its audit row included (`recordCommonPayment`); any other in a
    // transaction below.
    async oneStatement({ body, app, caller }) {
      const outcome = await recordCommonPayment(app.db, body, requestHash('payment', '', body), caller);
      return outcome && { status: outcome.replayed ? 200 : 201, body: outcome.result };
    },
    async handler({ db, body, app, audit }) {
      const outcome = await recordPayment(db, body, requestHash('payment', '', body), {
        vendorAccountId: app.config.vendorAccountId,
        programPreset: app.config.programPreset,
      });
      return answerRecorded(outcome, () =>
        audit(
          'payment.recorded',
          { type: 'payment', id: outcome.result.id },
          {
            externalId: body.externalId,
            commissionMinor: outcome.result.commission?.commissionMinor ?? null,
          },
        ),
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/refunds',
    summary: 'Billing: a refund of (part of) a payment; reverses the commission in proportion',
    tag: 'billing',
    auth: 'billing',
    body: RefundBody,
    responses: {
      ...recordedResponses(RefundResult, { created: 'Recorded', existing: 'The same refund again' }),
      422: { description: 'More than was paid' },
    },
    async handler({ db, body, audit }) {
      const outcome = await recordRefund(db, body, requestHash('refund', '', body));
      return answerRecorded(outcome, () =>
        audit(
          'refund.recorded',
          { type: 'refund', id: outcome.result.id },
          { externalId: body.externalId, reversalMinor: outcome.result.reversalMinor },
        ),
      );
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/commissions',
    summary: "Partner: one row per client payment with this partner's commission",
    tag: 'money',
    query: ListQuery,
    responses: { 200: { description: 'Commissions, newest first', schema: pageOf(CommissionRow) } },
    async handler({ db, partner, query }) {
      const load = (afterId?: string) =>
        repo.listCommissions(db, partner.id, { limit: query.limit + 1, afterId });
      return { status: 200, body: await pageById(query, load, toRow) };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/balance',
    summary: 'Partner: balance figures, each a sum of ledger entries',
    tag: 'money',
    query: z.strictObject({
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .default('RUB'),
    }),
    responses: { 200: { description: 'Balance', schema: Balance } },
    async handler({ db, partner, query }) {
      const sums = await repo.partnerLedgerSums(db, partner.id, query.currency);
      return {
        status: 200,
        body: {
          currency: query.currency,
          ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Number(v)])),
        },
      };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/commissions/monthly',
    summary: 'Partner: earnings by month (for the chart), sums of commissions accrued per month',
    tag: 'money',
    query: z.strictObject({ months: z.coerce.number().int().min(1).max(36).default(12) }),
    responses: {
      200: {
        description: 'Months',
        schema: z.object({ items: z.array(MonthlyEarning) }),
      },
    },
    async handler({ db, partner, query }) {
      const rows = await repo.monthlyEarnings(db, partner.id, query.months);
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({
            month: r.month,
            commissionMinor: Number(r.commission),
            reversedMinor: Number(r.reversed),
          })),
        },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/entitlements/:accountId',
    summary:
      "Billing: may this partner account use the vendor's widgets free (it has active paying clients, rule 5)",
    tag: 'billing',
    auth: 'billing',
    params: z.strictObject({ accountId: AccountIdParam }),
    responses: {
      200: {
        description: 'Entitlement',
        schema: z.object({
          accountId: z.number(),
          partnerId: z.string().nullable(),
          activePayingClients: z.number(),
          freeUse: z.boolean(),
        }),
      },
    },
    async handler({ db, params }) {
      const partner = await findPartnerByAccountId(db, params.accountId);
      if (!partner || partner.status === 'blocked') {
        return {
          status: 200,
          body: {
            accountId: params.accountId,
            partnerId: partner?.id ?? null,
            activePayingClients: 0,
            freeUse: false,
          },
        };
      }
      const active = await repo.countActivePayingClients(db, partner.id);
      return {
        status: 200,
        body: {
          accountId: params.accountId,
          partnerId: partner.id,
          activePayingClients: active,
          freeUse: active > 0,
        },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/fraud-queue',
    summary:
      "Admin: payments refused as a partner's own purchase (payer or account matching the partner's), newest first",
    tag: 'admin',
    auth: 'admin',
    query: ListQuery,
    responses: { 200: { description: 'Self-purchases', schema: SelfPurchaseList } },
    async handler({ db, query }) {
      const load = (beforeId?: string) => repo.listSelfPurchases(db, { limit: query.limit, beforeId });
      const toView = (p: Awaited<ReturnType<typeof load>>[number]) => ({
        paymentId: p.id,
        externalPaymentId: p.external_id,
        partnerId: p.no_reward_partner_id!,
        clientAccountId: Number(p.client_account_id),
        grossMinor: Number(p.gross_minor),
        currency: p.currency,
        paidAt: p.paid_at.toISOString(),
      });
      return { status: 200, body: await pageById(query, load, toView) };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/orders',
    summary:
      'Partner: its attributed orders, newest first, each with its reward and calculation or why it earned nothing',
    tag: 'money',
    query: ListQuery,
    responses: { 200: { description: 'Orders, newest first', schema: OrderList } },
    async handler({ db, partner, query }) {
      const after = decodeCursor(query.cursor, OrderCursor);
      const rows = await repo.listPartnerOrders(db, partner.id, {
        limit: query.limit + 1,
        after: after && { paidAt: new Date(after.paidAt), id: after.id },
      });
      const versions = new Map((await programHistory(db)).map((v) => [v.version, v]));
      const body = page(
        rows,
        query.limit,
        (o) => toOrder(o, versions),
        (o) => ({ paidAt: o.paid_at.toISOString(), id: o.payment_id }),
      );
      return { status: 200, body };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/orders/summary',
    summary: 'Partner: its clicks, visitors, attributed and rewarded orders, reward total and level now',
    tag: 'money',
    query: z.strictObject({
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
        .default('RUB'),
    }),
    responses: { 200: { description: 'Summary', schema: OrderSummary } },
    async handler({ db, partner, query, app }) {
      const now = new Date();
      const program = await programInForce(db, now, presetOf(app));
      const clicks = await partnerClickTotals(db, partner.id);
      const totals = await repo.partnerOrderTotals(db, partner.id, query.currency);
      const self = { id: partner.id, accountId: Number(partner.account_id) };
      const level = await partnerLevelNow(db, self, program.document, now);
      return {
        status: 200,
        body: {
          clicks: clicks.clicks,
          visitors: clicks.visitors,
          orders: totals.orders,
          rewardedOrders: totals.rewarded,
          currency: query.currency,
          rewardMinor: Number(totals.reward),
          reversedMinor: Number(totals.reversed),
          level,
        },
      };
    },
  }),
];
