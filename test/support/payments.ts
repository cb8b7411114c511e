import { sql } from 'kysely';
import type { TestApp } from './app';
import { backdatePin, pinClient, registerPartner, signContract } from './steps';

/**
 * Two partners through the API, each with clients pinned 90 days ago: a sole proprietor with a signed contract
 * (payable rewards) and an individual (rewards recorded, not payable).
 */
export async function seedPayingPartners(
  app: TestApp,
  p: { ip: number; ipClients: number[]; individual: number; individualClients: number[] },
): Promise<void> {
  const ip = await registerPartner(app, p.ip);
  await signContract(app, ip, `П-${p.ip}`);
  const ind = await app.call('POST', '/api/v1/partner', {
    token: app.partnerToken(p.individual),
    body: { kind: 'individual', name: 'Иван Физлицо', contacts: { email: 'i@example.ru' } },
  });
  expect(ind.status).toBe(201);
  for (const client of p.ipClients) await backdatePin(app, (await pinClient(app, p.ip, client)).id);
  for (const client of p.individualClients)
    await backdatePin(app, (await pinClient(app, p.individual, client)).id);
}

/**
 * The ledger of an app as ids-free rows: generated ids (payments, commissions, postings, partners) become what
 * identifies them across databases — billing's externalId and the partner's amoCRM account id.
 */
export async function comparableBooks(app: TestApp) {
  const partners = await app.db.db.selectFrom('partners').select(['id', 'account_id']).execute();
  const byPartnerId = new Map(partners.map((p) => [p.id, `partner#${p.account_id}`]));
  const withoutIds = (s: string) => s.replace(/ptn_[0-9a-z]+/g, (id) => byPartnerId.get(id) ?? id);
  const commissions = await app.db.db
    .selectFrom('commissions as c')
    .innerJoin('payments as p', 'p.id', 'c.payment_id')
    .select([
      'p.external_id',
      'c.partner_id',
      'c.channel',
      'c.gross_minor',
      'c.rate_bps',
      'c.commission_minor',
      'c.currency',
      'c.payable',
      'c.reason',
      'c.accrued_at',
      'c.program_version',
      'c.rule_id',
      'c.calculation',
    ])
    .orderBy('p.external_id')
    .execute();
  const payments = await app.db.db
    .selectFrom('payments')
    .select(['external_id', 'gross_minor', 'paid_at', 'no_reward_partner_id', 'no_reward_reason'])
    .orderBy('external_id')
    .execute();
  const { rows: entries } = await sql<Record<string, unknown>>`
    SELECT p.external_id, lp.kind, lp.effective_at, la.code, la.currency, e.side, e.amount_minor
      FROM ledger_entries e
      JOIN ledger_postings lp ON lp.id = e.posting_id
      JOIN ledger_accounts la ON la.id = e.account_id
      LEFT JOIN payments p ON p.id = lp.reason->>'paymentId'
     ORDER BY p.external_id, lp.kind, e.side, la.code`.execute(app.db.db);
  const { rows: accounts } = await sql<Record<string, unknown>>`
    SELECT code, currency, debits_minor, credits_minor FROM ledger_accounts ORDER BY code`.execute(app.db.db);
  return JSON.parse(
    withoutIds(
      JSON.stringify({ commissions, payments, entries, accounts }, (_k, v) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    ),
  );
}

/**
 * Counts the statements an app's pool sends while `counting` is on: the round trips of what runs meanwhile, and
 * their SQL texts (to tell a transaction's BEGIN from the work).
 */
export function queryCounter(app: TestApp) {
  let counting = false;
  let texts: string[] = [];
  const wrapped = new WeakSet<object>();
  app.db.pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      if (counting) texts.push(typeof first === 'string' ? first : (first?.text ?? ''));
      return query(...args);
    };
  });
  return async <T>(work: () => Promise<T>): Promise<{ value: T; queries: number; texts: string[] }> => {
    texts = [];
    counting = true;
    try {
      const value = await work();
      return { value, queries: texts.length, texts };
    } finally {
      counting = false;
    }
  };
}

/** Rows the payment write path adds, counted: a half-written payment would show in one of them. */
export async function rowCounts(app: TestApp) {
  const { rows } = await sql<Record<string, bigint>>`
    SELECT (SELECT count(*) FROM payments) AS payments,
           (SELECT count(*) FROM commissions) AS commissions,
           (SELECT count(*) FROM ledger_postings) AS postings,
           (SELECT count(*) FROM ledger_entries) AS entries,
           (SELECT count(*) FROM audit_log WHERE action = 'payment.recorded') AS audits`.execute(app.db.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}
