import { sql, type Insertable, type RawBuilder, type Selectable, type UpdateObject } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { CommissionsTable, Database, PaymentsTable, RefundsTable } from '../db/schema';
import { PROGRAM_TIME_ZONE } from '../instants';
import type { PostingKind } from '../ledger/postings';
import { EARNING_STATUSES } from '../pins/pin.rules';
import {
  pinEvaluationFactsOf,
  type PinEvaluationFacts,
  type PinFactsQuery,
  type PinFactsRow,
  type VersionHead,
} from '../programs/program.service';

export type PaymentRow = Selectable<PaymentsTable>;
export type CommissionRowDb = Selectable<CommissionsTable>;
export type RefundRow = Selectable<RefundsTable>;

/** A payment row as a report inserts it; what later steps set (a refund, no reward, a promo code) is left out. */
export type NewPaymentRow = Omit<
  PaymentRow,
  'created_at' | 'refunded_minor' | 'no_reward_partner_id' | 'no_reward_reason' | 'promo_code'
>;

export async function insertPayment(db: Db, row: NewPaymentRow): Promise<PaymentRow | undefined> {
  return db
    .insertInto('payments')
    .values(row)
    .onConflict((oc) => oc.column('external_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Many payments in one statement (a batch), each with why it earned nothing when it is known up front, skipping
 * those whose externalId is recorded already (`ON CONFLICT DO NOTHING`, as `insertPayment`; a concurrent
 * report of the same id is waited for). Returns the externalIds this statement inserted.
 */
export async function insertPayments(db: Db, rows: PaymentInsertRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await paymentsInsert(rows).execute(db);
  return new Set(inserted.map((r) => r.external_id));
}

/** A payment row as `insertPayments` takes it: with why it earned nothing, when that is known up front. */
export type PaymentInsertRow = NewPaymentRow & {
  no_reward_partner_id: string | null;
  no_reward_reason: string | null;
};

/** `insertPayments`' statement, also the first part of a single payment's one statement (RETURNING its id). */
export function paymentsInsert(rows: PaymentInsertRow[]): RawBuilder<{ id: string; external_id: string }> {
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  return sql<{ id: string; external_id: string }>`
    INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel, paid_at,
                          product_code, order_id, product_category, list_minor, period_end, net_invoice_id,
                          no_reward_partner_id, no_reward_reason)
    SELECT * FROM unnest(${col((r) => r.id)}::text[], ${col((r) => r.external_id)}::text[],
                         ${col((r) => r.request_hash)}::text[], ${col((r) => asText(r.client_account_id))}::bigint[],
                         ${col((r) => asText(r.gross_minor))}::bigint[], ${col((r) => r.currency)}::text[],
                         ${col((r) => r.channel)}::text[], ${col((r) => asText(r.paid_at))}::timestamptz[],
                         ${col((r) => r.product_code)}::text[], ${col((r) => r.order_id)}::text[],
                         ${col((r) => r.product_category)}::text[], ${col((r) => asText(r.list_minor))}::bigint[],
                         ${col((r) => asText(r.period_end))}::timestamptz[], ${col((r) => r.net_invoice_id)}::text[],
                         ${col((r) => r.no_reward_partner_id)}::text[], ${col((r) => r.no_reward_reason)}::text[])
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, external_id`;
}

/** A bigint or a date as the text of an array element for `unnest` (null stays null). */
function asText(v: bigint | Date | null | undefined): string | null {
  return v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
}

/** What a replay answers from: the recorded payment, and its attributed partner's commission if any. */
export interface RecordedPayment {
  payment: Pick<PaymentRow, 'id' | 'external_id' | 'request_hash'>;
  commission:
    Pick<CommissionRowDb, 'partner_id' | 'rate_bps' | 'commission_minor' | 'payable' | 'reason'> | undefined;
}

/** Recorded payments by externalId, each with its attributed partner's commission (`findCommissionByPayment`). */
export async function findRecordedPayments(
  db: Db,
  externalIds: string[],
): Promise<Map<string, RecordedPayment>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await recordedPaymentsQuery(externalIds).execute(db);
  return new Map(rows.map((r) => [r.external_id, recordedPaymentOf(r)]));
}

/** A row of `recordedPaymentsQuery`: the payment, and its attributed partner's commission (nulls without one). */
interface RecordedRow {
  id: string;
  external_id: string;
  request_hash: string;
  partner_id: string | null;
  rate_bps: number | null;
  commission_minor: bigint | null;
  payable: boolean | null;
  reason: string | null;
}

function recordedPaymentsQuery(externalIds: string[]): RawBuilder<RecordedRow> {
  return sql<RecordedRow>`
    SELECT p.id, p.external_id, p.request_hash, c.partner_id, c.rate_bps, c.commission_minor, c.payable, c.reason
      FROM payments p
      LEFT JOIN commissions c ON c.payment_id = p.id AND c.upline_depth IS NULL
     WHERE p.external_id = ANY(${externalIds}::text[])`;
}

function recordedPaymentOf(r: RecordedRow): RecordedPayment {
  return {
    payment: { id: r.id, external_id: r.external_id, request_hash: r.request_hash },
    commission:
      r.partner_id === null
        ? undefined
        : {
            partner_id: r.partner_id,
            rate_bps: r.rate_bps!,
            commission_minor: r.commission_minor!,
            payable: r.payable!,
            reason: r.reason,
          },
  };
}

/**
 * Everything a single payment's lean path (`payment-lean.service.ts`) reads, in one round trip: the payment
 * already recorded under its externalId if any (a replay), the head of the program version in force on its date,
 * and the engine's facts of the client's pin earning on that date — what `recordedPaymentsQuery`,
 * `findVersionHeadInForce` and `pinEvaluationFactsQuery` answer, read by the database function
 * `single_payment_read` (migration 028), whose plan PostgreSQL keeps instead of planning the join every time.
 */
export async function singlePaymentRead(
  db: Db,
  externalId: string,
  facts: PinFactsQuery,
): Promise<{ recorded: RecordedPayment | null; head: VersionHead | null; facts: PinEvaluationFacts }> {
  const { rows } = await sql<
    PinFactsRow & {
      head_version: number | null;
      head_from: Date | null;
      head_digest: string | null;
      recorded_id: string | null;
      recorded_hash: string | null;
      recorded_partner_id: string | null;
      recorded_rate_bps: number | null;
      recorded_commission_minor: bigint | null;
      recorded_payable: boolean | null;
      recorded_reason: string | null;
    }
  >`
    SELECT * FROM single_payment_read(${externalId}, ${facts.clientAccountId}, ${facts.channel}, ${facts.at},
                                      ${facts.clientHistory})`.execute(db);
  const row = rows[0]!;
  return {
    recorded:
      row.recorded_id === null
        ? null
        : recordedPaymentOf({
            id: row.recorded_id,
            external_id: externalId,
            request_hash: row.recorded_hash!,
            partner_id: row.recorded_partner_id,
            rate_bps: row.recorded_rate_bps,
            commission_minor: row.recorded_commission_minor,
            payable: row.recorded_payable,
            reason: row.recorded_reason,
          }),
    head:
      row.head_version === null
        ? null
        : { version: row.head_version, effective_from: row.head_from!, digest: row.head_digest! },
    facts: pinEvaluationFactsOf(row, facts.channel),
  };
}

export async function findPaymentByExternalId(db: Db, externalId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

export async function findCommissionByPayment(
  db: Db,
  paymentId: string,
): Promise<CommissionRowDb | undefined> {
  return db
    .selectFrom('commissions')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .where('upline_depth', 'is', null)
    .executeTakeFirst();
}

export async function lockPaymentByExternalId(trx: Tx, externalId: string): Promise<PaymentRow | undefined> {
  return trx
    .selectFrom('payments')
    .selectAll()
    .where('external_id', '=', externalId)
    .forUpdate()
    .executeTakeFirst();
}

/** The one way a recorded payment changes: what a later fact adds to it (a refund, its promo code, no reward). */
async function updatePayment(db: Db, id: string, values: UpdateObject<Database, 'payments'>): Promise<void> {
  await db.updateTable('payments').set(values).where('id', '=', id).execute();
}

/** Another payment that names this net invoice: a net invoice is settled by one payment. */
export async function findOtherPaymentOfNetInvoice(
  trx: Tx,
  invoiceId: string,
  exceptPaymentId: string,
): Promise<{ external_id: string } | undefined> {
  return trx
    .selectFrom('payments')
    .select('external_id')
    .where('net_invoice_id', '=', invoiceId)
    .where('id', '!=', exceptPaymentId)
    .executeTakeFirst();
}

export async function insertRefund(trx: Tx, refund: Insertable<RefundsTable>): Promise<RefundRow> {
  return trx.insertInto('refunds').values(refund).returningAll().executeTakeFirstOrThrow();
}

/** The payment's refunded total, written under the payment's lock (`lockPaymentByExternalId`). */
export async function setRefunded(trx: Tx, paymentId: string, refundedMinor: bigint): Promise<void> {
  await updatePayment(trx, paymentId, { refunded_minor: refundedMinor });
}

/** The refund billing reported under this id, if any: a refund report is idempotent by its externalId. */
export async function findRefundByExternalId(db: Db, externalId: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

/**
 * The promo code that binds a client to a partner (seed 002): the code of the client's earliest payment, up to
 * `at`, that came with a partner's code — with its partner and when it was first used.
 */
export async function firstPromoCodeOf(
  db: Db,
  clientAccountId: number,
  at: Date,
  exceptPaymentId: string,
): Promise<{ code: string; partnerId: string; since: Date } | undefined> {
  return db
    .selectFrom('payments as p')
    .innerJoin('partner_promo_codes as pc', 'pc.code', 'p.promo_code')
    .select(['pc.code', 'pc.partner_id as partnerId', 'p.paid_at as since'])
    .where('p.client_account_id', '=', BigInt(clientAccountId))
    .where('p.paid_at', '<=', at)
    .where('p.id', '!=', exceptPaymentId)
    .orderBy('p.paid_at')
    .orderBy('p.id')
    .limit(1)
    .executeTakeFirst();
}

export async function setPaymentPromoCode(trx: Tx, paymentId: string, code: string): Promise<void> {
  await updatePayment(trx, paymentId, { promo_code: code });
}

/** A payment's commissions, locked: the attributed partner's first, then the referrers' shares by depth. */
export async function lockCommissionsOfPayment(trx: Tx, paymentId: string): Promise<CommissionRowDb[]> {
  return trx
    .selectFrom('commissions')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy(sql`upline_depth NULLS FIRST`)
    .forUpdate()
    .execute();
}

/** What a refund reversed of one commission: the running total on the commission, and the refund's part. */
export async function recordReversal(
  trx: Tx,
  refundId: string,
  commission: Pick<CommissionRowDb, 'id' | 'reversed_minor'>,
  reversalMinor: bigint,
): Promise<void> {
  await trx
    .updateTable('commissions')
    .set({ reversed_minor: commission.reversed_minor + reversalMinor })
    .where('id', '=', commission.id)
    .execute();
  await trx
    .insertInto('commission_reversals')
    .values({ refund_id: refundId, commission_id: commission.id, reversal_minor: reversalMinor })
    .execute();
}

/** A commission row as the payment path inserts it. */
export type NewCommissionRow = Omit<
  CommissionRowDb,
  'created_at' | 'reversed_minor' | 'upline_depth' | 'points_account_id'
> & {
  upline_depth?: number | null;
  points_account_id?: bigint | null;
};

export async function insertCommission(db: Db, row: NewCommissionRow): Promise<CommissionRowDb> {
  return db.insertInto('commissions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Many commission rows in one statement (a batch's), as `insertCommission` writes each. */
export async function insertCommissions(db: Db, rows: NewCommissionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`${commissionsInsert(rows, sql<boolean>`true`)}`.execute(db);
}

/**
 * `insertCommissions`' statement, writing only when `when` holds: also a part of a single payment's one statement,
 * where the commission goes in only if its payment did.
 */
export function commissionsInsert(rows: NewCommissionRow[], when: RawBuilder<boolean>): RawBuilder<unknown> {
  const col = <T>(f: (r: NewCommissionRow) => T) => rows.map(f);
  return sql`
    INSERT INTO commissions (id, payment_id, partner_id, pin_id, link_click_id, promo_code, channel, gross_minor,
                             rule_id, rate_bps, commission_minor, payable, reason, calculation, currency, accrued_at,
                             program_version, upline_depth, points_account_id)
    SELECT * FROM unnest(${col((r) => r.id)}::text[], ${col((r) => r.payment_id)}::text[],
                         ${col((r) => r.partner_id)}::text[], ${col((r) => r.pin_id)}::text[],
                         ${col((r) => asText(r.link_click_id))}::bigint[], ${col((r) => r.promo_code ?? null)}::text[],
                         ${col((r) => r.channel)}::text[], ${col((r) => asText(r.gross_minor))}::bigint[],
                         ${col((r) => r.rule_id)}::text[], ${col((r) => r.rate_bps)}::int[],
                         ${col((r) => asText(r.commission_minor))}::bigint[], ${col((r) => r.payable)}::boolean[],
                         ${col((r) => r.reason)}::text[], ${col((r) => r.calculation)}::text[],
                         ${col((r) => r.currency)}::text[], ${col((r) => asText(r.accrued_at as Date))}::timestamptz[],
                         ${col((r) => r.program_version)}::int[], ${col((r) => r.upline_depth ?? null)}::int[],
                         ${col((r) => asText(r.points_account_id))}::bigint[])
     WHERE ${when}`;
}

export async function listCommissions(
  db: Db,
  partnerId: string,
  options: { limit: number; afterId?: string },
) {
  let q = db
    .selectFrom('commissions as c')
    .innerJoin('payments as p', 'p.id', 'c.payment_id')
    .select([
      'c.id',
      'c.payment_id',
      'c.channel',
      'c.gross_minor',
      'c.rate_bps',
      'c.commission_minor',
      'c.reversed_minor',
      'c.currency',
      'c.payable',
      'c.reason',
      'c.program_version',
      'c.calculation',
      'p.client_account_id',
      'p.paid_at',
      'p.product_code',
      'p.external_id',
    ])
    .where('c.partner_id', '=', partnerId)
    .orderBy('c.id', 'desc')
    .limit(options.limit);
  if (options.afterId) q = q.where('c.id', '<', options.afterId);
  return q.execute();
}

/**
 * A partner's balance figures, each a sum of ledger entries on the partner's accounts, split by the kind of
 * posting that made them (see ledger/chart.ts for what each account means).
 */
export async function partnerLedgerSums(db: Db, partnerId: string, currency: string) {
  const { rows } = await sql<{ account: string; kind: PostingKind; side: 'debit' | 'credit'; total: bigint }>`
    SELECT split_part(a.code, ':', 3) AS account, p.kind, e.side, sum(e.amount_minor)::bigint AS total
      FROM ledger_accounts a
      JOIN ledger_entries e ON e.account_id = a.id
      JOIN ledger_postings p ON p.id = e.posting_id
     WHERE a.partner_id = ${partnerId} AND a.currency = ${currency}
     GROUP BY 1, 2, 3`.execute(db);
  const sum = (account: string | null, kind: PostingKind | null, side: 'debit' | 'credit') =>
    rows
      .filter(
        (r) =>
          (account === null || r.account === account) &&
          (kind === null || r.kind === kind) &&
          r.side === side,
      )
      .reduce((s, r) => s + r.total, 0n);
  const balance = (account: string) => sum(account, null, 'credit') - sum(account, null, 'debit');
  return {
    earnedMinor: sum(null, 'commission', 'credit'),
    reversedMinor: sum(null, 'commission_reversal', 'debit'),
    compensationMinor: sum(null, 'dispute_compensation', 'credit'),
    forfeitedMinor: sum(null, 'balance_forfeited', 'debit'),
    paidOutMinor: sum('invoiced', 'reward_invoice_paid', 'debit'),
    payableMinor: balance('payable'),
    notPayableMinor: balance('not_payable'),
    keptMinor: balance('kept'),
    invoicedMinor: balance('invoiced'),
  };
}

export interface StatementLine {
  kind: 'payment' | 'refund';
  at: Date;
  external_id: string;
  client_account_id: bigint;
  channel: 'vendor_direct' | 'partner_net';
  /** The payment's gross (a payment line) or the refunded amount (a refund line). */
  gross: bigint;
  rate_bps: number;
  /** The commission (a payment line) or this refund's reversal (a refund line). */
  amount: bigint;
  payable: boolean;
  reason: string | null;
  /** The commission the line belongs to: its gross, amount, calculation, and the program rule that made it. */
  payment_gross: bigint;
  commission: bigint;
  calculation: string | null;
  program_version: number | null;
  rule_id: string | null;
}

/** A partner's statement lines in [from, to): every payment with its commission and every refund with its reversal. */
export async function listStatementLines(
  db: Db,
  partnerId: string,
  period: { from: Date; to: Date },
): Promise<StatementLine[]> {
  const { from, to } = period;
  const { rows } = await sql<StatementLine>`
    SELECT 'payment' AS kind, p.paid_at AS at, p.external_id, p.client_account_id, c.channel, c.gross_minor AS gross, c.rate_bps,
           c.commission_minor AS amount, c.payable, c.reason,
           c.gross_minor AS payment_gross, c.commission_minor AS commission, c.calculation, c.program_version, c.rule_id
      FROM commissions c JOIN payments p ON p.id = c.payment_id
     WHERE c.partner_id = ${partnerId} AND p.paid_at >= ${from} AND p.paid_at < ${to}
    UNION ALL
    SELECT 'refund', r.refunded_at, p.external_id, p.client_account_id, c.channel, r.amount_minor, c.rate_bps,
           coalesce(cr.reversal_minor, 0), c.payable, c.reason,
           c.gross_minor, c.commission_minor, c.calculation, c.program_version, c.rule_id
      FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN commissions c ON c.payment_id = p.id
      LEFT JOIN commission_reversals cr ON cr.refund_id = r.id AND cr.commission_id = c.id
     WHERE c.partner_id = ${partnerId} AND r.refunded_at >= ${from} AND r.refunded_at < ${to}
     ORDER BY 2`.execute(db);
  return rows;
}

/** Commissions accrued and reversed per Moscow month, the last `months` months including this one. */
export async function monthlyEarnings(
  db: Db,
  partnerId: string,
  months: number,
): Promise<{ month: string; commission: bigint; reversed: bigint }[]> {
  const { rows } = await sql<{ month: string; commission: bigint; reversed: bigint }>`
    SELECT to_char(date_trunc('month', accrued_at AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)}), 'YYYY-MM') AS month,
           sum(commission_minor)::bigint AS commission, sum(reversed_minor)::bigint AS reversed
      FROM commissions
     WHERE partner_id = ${partnerId} AND accrued_at >= date_trunc('month', now()) - make_interval(months => ${months - 1})
     GROUP BY 1 ORDER BY 1`.execute(db);
  return rows;
}

/**
 * How many of the partner's clients pay today (rule 5, free use): a client whose pin earns and whose
 * payment (not fully refunded) covers today — its period_end is ahead, or, when billing sends no period,
 * it was paid within the last year. A read across pins and payments; it writes neither.
 */
export async function countActivePayingClients(db: Db, partnerId: string): Promise<number> {
  const { rows } = await sql<{ n: bigint }>`
    SELECT count(DISTINCT p.client_account_id)::bigint AS n
      FROM pins pin
      JOIN payments p ON p.client_account_id = pin.client_account_id
     WHERE pin.partner_id = ${partnerId} AND pin.status = ANY(${EARNING_STATUSES}::text[])
       AND p.refunded_minor < p.gross_minor
       AND (p.period_end > now() OR (p.period_end IS NULL AND p.paid_at > now() - interval '365 days'))`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0n);
}

/**
 * Whether billing's order `orderId` was already paid by another payment that is not refunded in full. The
 * advisory lock on the order makes two payments of one order that arrive together (a double click on «Оплатить»)
 * decide one after the other: the second waits for the first to commit and then sees it.
 */
export async function orderPaidByAnother(trx: Tx, orderId: string, paymentId: string): Promise<boolean> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('payment_order:' || ${orderId}, 0))`.execute(trx);
  const row = await trx
    .selectFrom('payments')
    .select('id')
    .where('order_id', '=', orderId)
    .where('id', '!=', paymentId)
    .whereRef('refunded_minor', '<', 'gross_minor')
    .executeTakeFirst();
  return row !== undefined;
}

/** Records why a payment attributed to `partnerId` earned nothing (self-purchase, a repeat order, …). */
export async function setNoReward(
  db: Db,
  paymentId: string,
  partnerId: string | null,
  reason: string,
): Promise<void> {
  await updatePayment(db, paymentId, { no_reward_partner_id: partnerId, no_reward_reason: reason });
}

/** Payments the program refused as a partner's own purchase, newest first: the admins' fraud queue. */
export async function listSelfPurchases(db: Db, options: { limit: number; beforeId?: string }) {
  let q = db
    .selectFrom('payments')
    .select([
      'id',
      'external_id',
      'client_account_id',
      'gross_minor',
      'currency',
      'paid_at',
      'no_reward_partner_id',
    ])
    .where('no_reward_reason', '=', 'self_purchase')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.beforeId) q = q.where('id', '<', options.beforeId);
  return q.execute();
}

export interface OrderRowDb {
  payment_id: string;
  /** Billing's order id when the payment named one, else the payment's own external id. */
  external_id: string;
  paid_at: Date;
  client_account_id: bigint;
  product_code: string | null;
  gross_minor: bigint;
  currency: string;
  refunded_minor: bigint;
  no_reward_reason: string | null;
  commission_id: string | null;
  commission_minor: bigint | null;
  reversed_minor: bigint | null;
  rate_bps: number | null;
  calculation: string | null;
  program_version: number | null;
  rule_id: string | null;
  payable: boolean | null;
  reason: string | null;
  /** The partner's earning, not fully reversed orders before this one: the level measure the engine counts. */
  level_measure: number | null;
}

/**
 * The partner's attributed payments, newest first (by paid date, then id), `limit` of them after the cursor:
 * those with its commission and those that earned it nothing (`no_reward_partner_id`). Each branch reads its
 * own index (commissions_partner; payments_no_reward_partner) and takes at most `limit` rows, then the two
 * are merged. Only this partner's rows: both branches filter on its id.
 */
export async function listPartnerOrders(
  db: Db,
  partnerId: string,
  options: { limit: number; after?: { paidAt: Date; id: string } },
): Promise<OrderRowDb[]> {
  const after = options.after;
  const before = (paidAt: ReturnType<typeof sql.ref>, id: ReturnType<typeof sql.ref>) =>
    after ? sql`AND (${paidAt}, ${id}) < (${after.paidAt}, ${after.id})` : sql``;
  const { rows } = await sql<OrderRowDb>`
    WITH earned AS (
      SELECT p.id AS payment_id, COALESCE(p.order_id, p.external_id) AS external_id, p.paid_at,
             p.client_account_id, p.product_code, p.gross_minor,
             p.currency, p.refunded_minor, NULL::text AS no_reward_reason, c.id AS commission_id,
             c.commission_minor, c.reversed_minor, c.rate_bps, c.calculation, c.program_version, c.rule_id,
             c.payable, c.reason, c.accrued_at
        FROM commissions c JOIN payments p ON p.id = c.payment_id
       WHERE c.partner_id = ${partnerId} ${before(sql.ref('p.paid_at'), sql.ref('p.id'))}
       ORDER BY p.paid_at DESC, p.id DESC LIMIT ${options.limit}
    ), refused AS (
      SELECT p.id AS payment_id, COALESCE(p.order_id, p.external_id) AS external_id, p.paid_at,
             p.client_account_id, p.product_code, p.gross_minor,
             p.currency, p.refunded_minor, p.no_reward_reason, NULL::text, NULL::bigint, NULL::bigint,
             NULL::int, NULL::text, NULL::int, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz
        FROM payments p
       WHERE p.no_reward_partner_id = ${partnerId} ${before(sql.ref('p.paid_at'), sql.ref('p.id'))}
       ORDER BY p.paid_at DESC, p.id DESC LIMIT ${options.limit}
    ), merged AS (
      SELECT * FROM earned UNION ALL SELECT * FROM refused
       ORDER BY paid_at DESC, payment_id DESC LIMIT ${options.limit}
    )
    SELECT m.payment_id, m.external_id, m.paid_at, m.client_account_id, m.product_code, m.gross_minor,
           m.currency, m.refunded_minor, m.no_reward_reason, m.commission_id, m.commission_minor,
           m.reversed_minor, m.rate_bps, m.calculation, m.program_version, m.rule_id, m.payable, m.reason,
           CASE WHEN m.commission_id IS NULL THEN NULL ELSE (SELECT count(*)::int FROM commissions c2
             WHERE c2.partner_id = ${partnerId} AND c2.accrued_at < m.accrued_at AND c2.upline_depth IS NULL
               AND c2.reversed_minor < c2.commission_minor) END AS level_measure
      FROM merged m ORDER BY m.paid_at DESC, m.payment_id DESC`.execute(db);
  return rows;
}

/** The partner's attributed orders: how many, how many earned, and the reward in `currency` (accrued, reversed). */
export async function partnerOrderTotals(db: Db, partnerId: string, currency: string) {
  const { rows } = await sql<{ orders: number; rewarded: number; reward: bigint; reversed: bigint }>`
    SELECT (SELECT count(*)::int FROM commissions WHERE partner_id = ${partnerId})
             + (SELECT count(*)::int FROM payments WHERE no_reward_partner_id = ${partnerId}) AS orders,
           count(*) FILTER (WHERE commission_minor > 0)::int AS rewarded,
           coalesce(sum(commission_minor) FILTER (WHERE currency = ${currency}), 0)::bigint AS reward,
           coalesce(sum(reversed_minor) FILTER (WHERE currency = ${currency}), 0)::bigint AS reversed
      FROM commissions WHERE partner_id = ${partnerId}`.execute(db);
  return rows[0]!;
}

/**
 * The renewal reminders' read model: every client whose paid period (the latest `period_end` of its payments
 * not refunded in full) ends in (asOf, horizon], with the pin that earns on it, its partner's account (not a
 * blocked partner) and the product of the payment that paid that period.
 */
export async function clientsDueForRenewal(
  db: Db,
  asOf: Date,
  horizon: Date,
): Promise<
  Array<{
    clientAccountId: number;
    periodEnd: Date;
    pinId: string;
    partnerAccountId: number;
    productCode: string | null;
  }>
> {
  const rows = await db
    .with('periods', (qb) =>
      qb
        .selectFrom('payments')
        .select(['client_account_id', sql<Date>`max(period_end)`.as('period_end')])
        .where('period_end', 'is not', null)
        .where(sql<boolean>`refunded_minor < gross_minor`)
        .groupBy('client_account_id'),
    )
    .selectFrom('periods')
    .innerJoin('pins', 'pins.client_account_id', 'periods.client_account_id')
    .innerJoin('partners', 'partners.id', 'pins.partner_id')
    .select([
      'periods.client_account_id',
      'periods.period_end',
      'pins.id as pin_id',
      'partners.account_id as partner_account_id',
      (eb) =>
        eb
          .selectFrom('payments')
          .select('product_code')
          .whereRef('payments.client_account_id', '=', 'periods.client_account_id')
          .whereRef('payments.period_end', '=', 'periods.period_end')
          .orderBy('paid_at', 'desc')
          .limit(1)
          .as('product_code'),
    ])
    .where('pins.status', 'in', EARNING_STATUSES)
    .where('partners.status', '!=', 'blocked')
    .where('periods.period_end', '>', asOf)
    .where('periods.period_end', '<=', horizon)
    .execute();
  return rows.map((r) => ({
    clientAccountId: Number(r.client_account_id),
    periodEnd: r.period_end,
    pinId: r.pin_id,
    partnerAccountId: Number(r.partner_account_id),
    productCode: r.product_code ?? null,
  }));
}
