import { loadConfig } from '../config';
import { mintAmoToken } from '../auth/amo-token';

/**
 * `npm run demo`: fills a running server (npm start, same DATA_DIR/env) with demo data through its real
 * HTTP API — partners, pins, payments, a net invoice, a routed question, a dispute and a payout run — so a
 * newcomer can click through the host page. Safe to run twice: it uses fixed external ids and idempotent calls.
 */
const { config } = loadConfig();
const base = process.env.DEMO_URL ?? `http://127.0.0.1:${config.port}`;
const settings = {
  clientId: config.amo.clientId,
  clientSecret: config.amo.clientSecret,
  audience: config.amo.tokenAudience,
};
const token = (accountId: number, userId = 1, subdomain = `demo${accountId}`) =>
  mintAmoToken(settings, { accountId, userId, subdomain });
const admin = () => token(config.vendorAccountId, config.adminUserIds[0] ?? 1, 'vendor');

async function call(
  method: string,
  path: string,
  auth: { token?: string; billing?: boolean },
  body?: unknown,
): Promise<any> {
  const headers: Record<string, string> = {};
  if (auth.token) headers['X-Auth-Token'] = auth.token;
  if (auth.billing) headers.Authorization = `Bearer ${config.billingApiKey}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  // 409 means "already there" on a second run: the partner exists, or a payment with this id was recorded
  // on an earlier day with other dates.
  if (res.status >= 400 && res.status !== 409) {
    throw new Error(
      `${method} ${path} → ${res.status} ${typeof json === 'string' ? json : JSON.stringify(json)}`,
    );
  }
  return json;
}

const bank = {
  bik: '044525225',
  account: '40702810938000000001',
  correspondentAccount: '30101810400000000225',
  bankName: 'ПАО Сбербанк',
};
const PARTNER = 31000001;
const SECOND = 31000002;
const days = (n: number) => new Date(Date.now() + n * 86400_000).toISOString();

async function main(): Promise<void> {
  await call('GET', '/health', {});
  await call(
    'POST',
    '/api/v1/partner',
    { token: token(PARTNER) },
    {
      kind: 'legal_entity',
      name: 'ООО «Интегратор Плюс»',
      inn: '7707083893',
      kpp: '773601001',
      ogrn: '1027700132195',
      bank,
      contacts: {
        email: 'hello@integrator.example',
        phone: '+7 495 123-45-67',
        telegram: '@integrator_plus',
        site: 'https://integrator.example',
      },
    },
  );
  await call(
    'POST',
    '/api/v1/partner',
    { token: token(SECOND) },
    { kind: 'individual', name: 'Пётр Самоделкин', contacts: { email: 'petr@example.ru' } },
  );
  const me = await call('GET', '/api/v1/partner', { token: token(PARTNER) });
  if (!me.contract) {
    await call(
      'POST',
      `/api/v1/admin/partners/${me.id}/contract`,
      { token: admin() },
      { contractNumber: 'П-2026/001', signedAt: days(-60) },
    );
  }
  await call('POST', '/api/v1/known-accounts', { billing: true }, { accountIds: [32000009], source: 'demo' });
  for (const client of [32000001, 32000002, 32000003, 32000009]) {
    await call(
      'POST',
      '/api/v1/pins',
      { token: token(PARTNER) },
      { clientAccountId: client, clientSubdomain: `client${client}`, comment: 'демо-клиент' },
    );
  }
  // The second partner tries a client that is already taken.
  await call('POST', '/api/v1/pins', { token: token(SECOND) }, { clientAccountId: 32000001 });
  const payments = [
    {
      externalId: 'demo-1',
      clientAccountId: 32000001,
      grossMinor: 1_200_000,
      channel: 'vendor_direct',
      paidAt: days(0),
      productCode: 'amo-widget-pro',
      periodEnd: days(365),
    },
    {
      externalId: 'demo-2',
      clientAccountId: 32000002,
      grossMinor: 500_000,
      channel: 'vendor_direct',
      paidAt: days(0),
      productCode: 'amo-widget-lite',
      periodEnd: days(10),
    },
    {
      externalId: 'demo-3',
      clientAccountId: 32000003,
      grossMinor: 33_333,
      channel: 'vendor_direct',
      paidAt: days(0),
      productCode: 'amo-widget-lite',
      periodEnd: days(30),
    },
  ];
  for (const p of payments)
    await call('POST', '/api/v1/payments', { billing: true }, { currency: 'RUB', ...p });
  await call(
    'POST',
    '/api/v1/refunds',
    { billing: true },
    { externalId: 'demo-refund-1', paymentExternalId: 'demo-2', amountMinor: 100_000, refundedAt: days(0) },
  );
  await call(
    'POST',
    '/api/v1/staff/clients/32000001/questions',
    { token: token(config.vendorAccountId, 50, 'vendor') },
    { text: 'Клиент спрашивает, как настроить рассылку по сегментам.' },
  );
  const invoices = await call('GET', '/api/v1/invoices', { token: token(PARTNER) });
  if (!invoices.items.some((i: { kind: string }) => i.kind === 'net')) {
    await call(
      'POST',
      '/api/v1/net-invoices',
      { token: token(PARTNER) },
      { clientAccountId: 32000002, productCode: 'amo-widget-pro' },
    );
  }
  process.stdout.write(
    `Demo data is in ${base}.\n` +
      `  partner account ${PARTNER} (ООО «Интегратор Плюс»), clients 32000001–32000003 pinned, 32000009 waiting for the client's request\n` +
      `  vendor account ${config.vendorAccountId}: user 50 is staff, user ${config.adminUserIds[0] ?? 1} is admin\n` +
      `  open ${base}/dev/host/ (a server started with DEV_HOST_PAGE=1) and pick an identity\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? error.message : String(error)}\nIs the server running (npm start) with the same DATA_DIR and environment?\n`,
  );
  process.exit(1);
});
