import { allDelivered, startAmoTest, VENDOR_ACCOUNT_ID, waitFor, type AmoTestEnv } from './support/harness';

/**
 * Every way a pin becomes attributed (rule 11) must show the client in the vendor's amoCRM (rule 8), the
 * automatic one included: the partner paying the vendor for the client through its own net invoice.
 */
let env: AmoTestEnv;
const A = 31100001; // the partner's own amoCRM account
const CLIENT = 51000001;
const V = VENDOR_ACCOUNT_ID;

beforeAll(async () => {
  env = await startAmoTest();
  await env.connect(V, 'vendor');
  await env.registerPartner(A, 'Интегратор Гамма');
});
afterAll(() => env.close());

const billing = () => ({ Authorization: `Bearer ${env.config.billingApiKey}` });
const companyOf = (client: number) =>
  env.fake
    .companies(V)
    .filter((c) =>
      (c.custom_fields_values ?? []).some((f) => f.values.some((v) => Number(v.value) === client)),
    );

it('a waiting client attributed by a partner_net payment of its net invoice gets its vendor company', async () => {
  // Billing already knows the client, so the pin waits for the client's own request and no company is made.
  const known = await env.call('POST', '/api/v1/known-accounts', {
    headers: billing(),
    body: { accountIds: [CLIENT] },
  });
  expect(known.status).toBe(200);
  const waiting = await env.pin(A, CLIENT, { clientSubdomain: 'lyutik' });
  expect(waiting.body).toMatchObject({ status: 'pending_client_request' });
  const invoice = await env.call('POST', '/api/v1/net-invoices', {
    token: env.partnerToken(A),
    body: { clientAccountId: CLIENT, productCode: 'amo-widget-pro', grossMinor: 1_000_000 },
  });
  expect(invoice.status).toBe(201);
  await waitFor(() => allDelivered(env), 'deliveries before the payment');
  expect(companyOf(CLIENT)).toEqual([]);

  const paid = await env.call('POST', '/api/v1/payments', {
    headers: billing(),
    body: {
      externalId: 'bill-net-attribution',
      clientAccountId: CLIENT,
      grossMinor: 1_000_000,
      currency: 'RUB',
      channel: 'partner_net',
      paidAt: new Date().toISOString(),
      productCode: 'amo-widget-pro',
      netInvoiceId: invoice.body.invoice.id,
    },
  });
  expect(paid.status).toBe(201);
  const pin = await env.call('GET', `/api/v1/pins/${waiting.body.id}`, { token: env.partnerToken(A) });
  expect(pin.body).toMatchObject({ status: 'attributed', exclusive: false });

  await waitFor(() => allDelivered(env), 'attribution delivery');
  const [company, ...others] = companyOf(CLIENT);
  expect(others).toEqual([]);
  expect(company!._embedded.tags.map((t) => t.name)).toEqual(['Интегратор Гамма']);
});
