/**
 * The two ceilings of payment ingestion (issue 16 item 1): the rows one payment makes, written as cheaply as
 * PostgreSQL allows, beside the service baseline of bench/payments.ts.
 *
 * What a payment writes, as `recordPayment` and the route's audit leave it for a 12 000 ₽ vendor_direct payment
 * of a pinned client: the payment row, the known account (a no-op conflict for a returning client), the
 * commission (its columns copied from one the engine made in the warm-up), the ledger posting from the same
 * recipe (`commissionAccrued`), its two entries, the two accounts' cached totals (locked in id order, as
 * `lockAccounts` does) and the audit row. Every real trigger and constraint stays on: the deferred balance
 * check, the foreign keys, the unique keys, the append-only triggers.
 *
 * Everything the service reads or decides (the pin, the program in force, the evaluation, the account ids) is
 * worked out in JS beforehand — that is the point: what is left is the cost of writing the same rows.
 *
 * - one-trip: one payment per statement, in autocommit (no BEGIN/COMMIT round trips), 16 workers.
 * - set-based: 1 000 payments per statement (one transaction), each table written once from arrays and each
 *   account's total updated once with the batch's sum, a few workers.
 *
 * Both use the one statement below; only the number of payments per call differs.
 */
import { sql, type RawBuilder } from 'kysely';
import type { PaymentBody } from '../server/src/commissions/commission';
import type { Db } from '../server/src/db/pool';
import { requestHash } from '../server/src/idempotency/idempotency';
import { createId } from '../server/src/ids';
import { accounts } from '../server/src/ledger/chart';
import { totalsByAccount } from '../server/src/ledger/ledger.rules';
import { commissionAccrued } from '../server/src/ledger/postings';
import { type CpuSplit, percentile, startCpuMeter } from './support';

/** The commission columns the engine gave the warm-up's payment; every payment here is the same one. */
interface CommissionTemplate {
  channel: string;
  gross_minor: bigint;
  rule_id: string;
  rate_bps: number;
  commission_minor: bigint;
  payable: boolean;
  reason: string | null;
  calculation: string;
  currency: string;
  program_version: number;
}

export interface CeilingContext {
  commission: CommissionTemplate;
  /** Client account id → its pin and partner (what the service looks up per payment). */
  pins: Map<number, { pinId: string; partnerId: string }>;
  /** Ledger account code → id (the accounts exist: the ceilings never create one). */
  accountIds: Map<string, bigint>;
}

/**
 * Reads what the ceilings need from a database where `recordPayment` already ran (the warm-up): the
 * commission it made for `externalId`, the pins, and the ids of every partner's two accounts (created here,
 * as the ledger creates accounts on first use, for partners the warm-up did not reach).
 */
export async function prepareCeilings(db: Db, externalId: string): Promise<CeilingContext> {
  const commission = await db
    .selectFrom('commissions as c')
    .innerJoin('payments as p', 'p.id', 'c.payment_id')
    .select([
      'c.channel',
      'c.gross_minor',
      'c.rule_id',
      'c.rate_bps',
      'c.commission_minor',
      'c.payable',
      'c.reason',
      'c.calculation',
      'c.currency',
      'c.program_version',
    ])
    .where('p.external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  if (commission.commission_minor !== 480_000n || commission.rate_bps !== 4000 || !commission.payable)
    throw new Error(
      `the ceilings expect the engine's 4 800 ₽ payable commission, got ${commission.commission_minor}`,
    );
  const pinRows = await db
    .selectFrom('pins')
    .select(['id', 'client_account_id', 'partner_id'])
    .where('status', '=', 'pinned')
    .execute();
  const partners = [...new Set(pinRows.map((p) => p.partner_id))];
  const refs = partners.flatMap((p) => [accounts.commissionExpense(p), accounts.partnerPayable(p)]);
  await sql`
    INSERT INTO ledger_accounts (code, currency, partner_id)
    SELECT * FROM unnest(${refs.map((r) => r.code)}::text[], ${refs.map(() => 'RUB')}::text[],
                         ${refs.map((r) => r.partnerId ?? null)}::text[])
    ON CONFLICT (code, currency) DO NOTHING`.execute(db);
  const accountRows = await db.selectFrom('ledger_accounts').select(['id', 'code']).execute();
  return {
    commission: {
      ...commission,
      rule_id: commission.rule_id!,
      calculation: commission.calculation!,
      program_version: commission.program_version!,
      currency: commission.currency.trim(),
    },
    pins: new Map(
      pinRows.map((p) => [Number(p.client_account_id), { pinId: p.id, partnerId: p.partner_id }]),
    ),
    accountIds: new Map(accountRows.map((a) => [a.code, a.id])),
  };
}

/**
 * One statement that writes every row of `bodies`' payments (see the file's comment). Each table is written
 * once from arrays, so one payment and a thousand cost the same number of statements: one.
 *
 * The accounts are locked in id order (`lockAccounts`' rule, so two writers never deadlock) and their totals
 * updated once each by the sums of the entries (`totalsByAccount`, as `postMany` does); an UPDATE in READ
 * COMMITTED adds to the newest committed total, so the cached totals stay exact under concurrency. Those CTEs
 * come first because PostgreSQL runs the main INSERT, then the data-modifying CTEs from the last written to the
 * first (checked on PostgreSQL 18): the account rows are locked at the end and held only until the commit.
 */
export function writePayments(ctx: CeilingContext, bodies: PaymentBody[]): RawBuilder<unknown> {
  const c = ctx.commission;
  const rows = bodies.map((body) => {
    const pin = ctx.pins.get(body.clientAccountId);
    if (!pin) throw new Error(`client ${body.clientAccountId} has no pin`);
    const paymentId = createId('pay');
    const commissionId = createId('com');
    const posting = commissionAccrued({
      commissionId,
      paymentId,
      clientAccountId: body.clientAccountId,
      partnerId: pin.partnerId,
      channel: body.channel,
      payable: c.payable,
      amountMinor: c.commission_minor,
      currency: body.currency,
      at: new Date(body.paidAt),
    });
    return { body, pin, paymentId, commissionId, posting, postingId: createId('lpo') };
  });
  const entries = rows.flatMap((r) => r.posting.entries.map((e) => ({ ...e, postingId: r.postingId })));
  const accountId = (code: string) => {
    const id = ctx.accountIds.get(code);
    if (id === undefined) throw new Error(`no ledger account ${code}`);
    return String(id);
  };
  const totals = [...totalsByAccount(entries).values()];
  const texts = (f: (r: (typeof rows)[number]) => string | null) => rows.map(f);
  return sql`
    WITH locked AS (
      SELECT id FROM ledger_accounts
       WHERE id = ANY(${totals.map((t) => accountId(t.code))}::bigint[])
       ORDER BY id
         FOR UPDATE
    ), account_totals AS (
      UPDATE ledger_accounts a
         SET debits_minor = a.debits_minor + t.debits, credits_minor = a.credits_minor + t.credits
        FROM unnest(${totals.map((t) => accountId(t.code))}::bigint[], ${totals.map((t) => String(t.debits))}::bigint[],
                    ${totals.map((t) => String(t.credits))}::bigint[]) AS t(id, debits, credits)
       WHERE a.id = t.id AND a.id IN (SELECT id FROM locked)
    ), payment AS (
      INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel,
                            paid_at, product_code)
      SELECT * FROM unnest(${texts((r) => r.paymentId)}::text[], ${texts((r) => r.body.externalId)}::text[],
                           ${texts((r) => requestHash('payment', '', r.body))}::text[],
                           ${texts((r) => String(r.body.clientAccountId))}::bigint[],
                           ${texts((r) => String(r.body.grossMinor))}::bigint[], ${texts((r) => r.body.currency)}::text[],
                           ${texts((r) => r.body.channel)}::text[], ${texts((r) => r.body.paidAt)}::timestamptz[],
                           ${texts((r) => r.body.productCode ?? null)}::text[])
    ), known AS (
      INSERT INTO known_accounts (account_id, source)
      SELECT DISTINCT unnest(${texts((r) => String(r.body.clientAccountId))}::bigint[]), 'payment'
      ON CONFLICT (account_id) DO NOTHING
    ), commission AS (
      INSERT INTO commissions (id, payment_id, partner_id, pin_id, channel, gross_minor, rule_id, rate_bps,
                               commission_minor, payable, reason, calculation, currency, accrued_at, program_version)
      SELECT x.id, x.payment_id, x.partner_id, x.pin_id, ${c.channel}, ${String(c.gross_minor)}::bigint,
             ${c.rule_id}, ${c.rate_bps}::int, ${String(c.commission_minor)}::bigint, ${c.payable}, ${c.reason}::text,
             ${c.calculation}, ${c.currency}, x.accrued_at, ${c.program_version}::int
        FROM unnest(${texts((r) => r.commissionId)}::text[], ${texts((r) => r.paymentId)}::text[],
                    ${texts((r) => r.pin.partnerId)}::text[], ${texts((r) => r.pin.pinId)}::text[],
                    ${texts((r) => r.body.paidAt)}::timestamptz[]) AS x(id, payment_id, partner_id, pin_id, accrued_at)
    ), posting AS (
      INSERT INTO ledger_postings (id, posting_key, kind, reason, effective_at)
      SELECT * FROM unnest(${texts((r) => r.postingId)}::text[], ${texts((r) => r.posting.key)}::text[],
                           ${texts((r) => r.posting.kind)}::text[], ${texts((r) => JSON.stringify(r.posting.reason))}::jsonb[],
                           ${texts((r) => r.posting.effectiveAt.toISOString())}::timestamptz[])
    ), entry AS (
      INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency)
      SELECT * FROM unnest(${entries.map((e) => e.postingId)}::text[], ${entries.map((e) => accountId(e.account.code))}::bigint[],
                           ${entries.map((e) => e.side)}::text[], ${entries.map((e) => String(e.amountMinor))}::bigint[],
                           ${entries.map((e) => e.currency)}::text[])
    )
    INSERT INTO audit_log (actor_kind, action, entity_type, entity_id, details)
    SELECT 'billing', 'payment.recorded', 'payment', a.id, a.details
      FROM unnest(${texts((r) => r.paymentId)}::text[],
                  ${texts((r) => JSON.stringify({ externalId: r.body.externalId, commissionMinor: Number(c.commission_minor) }))}::jsonb[])
           AS a(id, details)`;
}

export interface CeilingPhase {
  /** Payments per second. */
  rps: number;
  /** Per statement: one payment (one-trip) or one batch (set-based), milliseconds. */
  p50: number;
  p99: number;
  cpu: CpuSplit;
  count: number;
}

/**
 * `workers` concurrent loops on the pool for `seconds`, each call writing `perStatement` payments in one
 * autocommit statement; `body(n)` makes the n-th payment of the phase.
 */
export async function ceilingPhase(
  db: Db,
  ctx: CeilingContext,
  options: { clusterDir: string; seconds: number; workers: number; perStatement: number },
  body: (n: number) => PaymentBody,
): Promise<CeilingPhase> {
  const latencies: number[] = [];
  let n = 0;
  let count = 0;
  const meter = startCpuMeter(options.clusterDir);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const bodies = Array.from({ length: options.perStatement }, () => body((n += 1)));
      const t0 = performance.now();
      await writePayments(ctx, bodies).execute(db);
      latencies.push(performance.now() - t0);
      count += bodies.length;
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  const wall = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  latencies.sort((a, b) => a - b);
  return { rps: count / wall, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu, count };
}

/**
 * After a phase: how many payments with this externalId prefix were written, and how many of them have all
 * their rows — the commission, its posting, the posting's two entries and the audit row.
 */
export async function countComplete(db: Db, prefix: string): Promise<{ payments: number; complete: number }> {
  const { rows } = await sql<{ payments: number; complete: number }>`
    SELECT count(*)::int AS payments,
           count(*) FILTER (
             WHERE c.id IS NOT NULL AND lp.id IS NOT NULL
               AND (SELECT count(*) FROM ledger_entries e WHERE e.posting_id = lp.id) = 2
               AND EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'payment' AND a.entity_id = p.id)
           )::int AS complete
      FROM payments p
      LEFT JOIN commissions c ON c.payment_id = p.id
      LEFT JOIN ledger_postings lp ON lp.posting_key = 'commission:' || c.id
     WHERE p.external_id LIKE ${prefix + '-%'}`.execute(db);
  return rows[0]!;
}
