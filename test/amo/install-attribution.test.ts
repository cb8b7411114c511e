import { paymentBody, soleProprietor } from '../support/fixtures';
import {
  allDelivered,
  startAmoTest,
  VENDOR_ACCOUNT_ID,
  waitFor,
  waitForStatus,
  type AmoTestEnv,
} from './support/harness';

/**
 * A link program's automatic pin (PROGRAMS.md, the contract; seed 000): the landing passes the visitor id of
 * a partner's link to amoCRM's install button as `state`; amoCRM's OAuth redirect brings it back, and once the
 * code is exchanged the new account is attributed to the partner of the winning click — end to end through
 * the fake amoCRM, on the cloudlessons preset.
 */
let env: AmoTestEnv;
const A = 31200001;
const B = 31200002;
const V = VENDOR_ACCOUNT_ID;
const ids: Record<string, string> = {};

async function register(accountId: number, name: string): Promise<string> {
  const res = await env.call('POST', '/api/v1/partner', {
    token: env.partnerToken(accountId),
    body: soleProprietor(name, `${accountId}@partner.ru`),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  env = await startAmoTest({ config: { programPreset: 'cloudlessons' } });
  await env.connect(V, 'vendor');
  ids.A = await register(A, 'ИП Ссылочный А');
  ids.B = await register(B, 'ИП Ссылочный Б');
});
afterAll(() => env.close());

async function linkOf(accountId: number): Promise<string> {
  const res = await env.call('POST', '/api/v1/links', { token: env.partnerToken(accountId), body: {} });
  expect([200, 201]).toContain(res.status);
  return res.body.code as string;
}

/** A browser's visit through a link: the visitor id is the cookie our redirect sets. */
async function visit(code: string, visitorId?: string): Promise<string> {
  const res = await fetch(`${env.url}/r/${code}`, {
    redirect: 'manual',
    headers: visitorId ? { Cookie: `amop_visitor=${visitorId}` } : {},
  });
  expect(res.status).toBe(302);
  return /amop_visitor=([^;]+)/.exec(res.headers.get('set-cookie')!)![1]!;
}

/** The client installs the widget from the landing: amoCRM's button carries the visitor id as `state`. */
async function installWithState(accountId: number, subdomain: string, state: string) {
  env.fake.addAccount({ id: accountId, subdomain });
  const install = await env.fake.installWidget(accountId, { state });
  expect(install.status).toBe(200);
  await waitForStatus(env.db, 'amo_installs', accountId, 'exchanged', `install of ${accountId}`);
}

const holdingPins = (clientAccountId: number) =>
  env.db.db
    .selectFrom('pins')
    .selectAll()
    .where('client_account_id', '=', BigInt(clientAccountId))
    .where('status', 'in', ['pinned', 'attributed'])
    .execute();

const companyOf = (client: number) =>
  env.fake
    .companies(V)
    .filter((c) =>
      (c.custom_fields_values ?? []).some((f) => f.values.some((v) => Number(v.value) === client)),
    );

const connectedAudit = async (accountId: number) =>
  (
    await env.db.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'amo.connected')
      .where('entity_id', '=', String(accountId))
      .executeTakeFirstOrThrow()
  ).details as Record<string, unknown>;

it('the last-clicked partner gets the installed account, non-exclusively, with its vendor company and its first order', async () => {
  const CLIENT = 52000001;
  const visitorId = await visit(await linkOf(A));
  await visit(await linkOf(B), visitorId); // the same browser, later: B's click wins
  await installWithState(CLIENT, 'shkola-ru', visitorId);

  const pins = await holdingPins(CLIENT);
  expect(pins).toHaveLength(1);
  expect(pins[0]).toMatchObject({
    partner_id: ids.B,
    status: 'attributed',
    exclusive: false,
    reason: 'link_click',
  });
  const events = await env.db.db
    .selectFrom('pin_events')
    .selectAll()
    .where('pin_id', '=', pins[0]!.id)
    .execute();
  expect(events).toEqual([
    expect.objectContaining({
      event: 'attributed',
      details: expect.objectContaining({ reason: 'link_click', via: 'amocrm_install' }),
    }),
  ]);
  expect(await connectedAudit(CLIENT)).toMatchObject({ pinnedTo: ids.B, pinId: pins[0]!.id });

  // The partner sees the client in its list; the vendor's amoCRM gets the client's company with B's tag.
  const list = await env.call('GET', '/api/v1/pins', { token: env.partnerToken(B) });
  expect(list.body.items).toEqual([
    expect.objectContaining({ clientAccountId: CLIENT, status: 'attributed', reason: 'link_click' }),
  ]);
  await waitFor(() => allDelivered(env), 'the vendor company');
  expect(companyOf(CLIENT)).toHaveLength(1);

  // Billing later posts the client's first order with no visitor id: the pin attributes it, to B only.
  const paid = await env.call('POST', '/api/v1/payments', {
    headers: { Authorization: `Bearer ${env.config.billingApiKey}` },
    body: paymentBody('cl-install-1', CLIENT, 1_000_000, new Date(), { productCode: 'cl-course' }),
  });
  expect(paid.status).toBe(201);
  // 30 % of 10 000 ₽ at level 1; held back until B signs its contract (seed 000: only partners with one are paid).
  expect(paid.body.commission).toMatchObject({
    partnerId: ids.B,
    rateBps: 3000,
    commissionMinor: 300_000,
    reason: 'contract_not_signed',
  });
});

it('an install with no click in the window, a self-install, an unrelated state or a held account pins nobody new', async () => {
  // A visitor id that never clicked: nothing to attribute.
  const stranger = 52000002;
  await installWithState(stranger, 'stranger', `vis_${'x'.repeat(22)}`);
  expect(await holdingPins(stranger)).toEqual([]);
  expect(await connectedAudit(stranger)).toMatchObject({ linkAttributionSkipped: 'no_click_in_window' });

  // The partner clicks its own link and installs the widget in its own account: a self-install.
  const own = await visit(await linkOf(A));
  await installWithState(A, 'partner-a', own);
  expect(await holdingPins(A)).toEqual([]);
  expect(await connectedAudit(A)).toMatchObject({ linkAttributionSkipped: 'own_account' });

  // A host's own `state` that is no visitor id is left alone.
  const other = 52000003;
  await installWithState(other, 'other', 'host-state-42');
  expect(await holdingPins(other)).toEqual([]);
  expect(await connectedAudit(other)).not.toHaveProperty('linkAttributionSkipped');

  // An account A already pinned stays A's when the visitor of B's link installs it.
  const held = 52000004;
  expect((await env.pin(A, held)).body).toMatchObject({ status: 'pinned' });
  await installWithState(held, 'held', await visit(await linkOf(B)));
  expect((await holdingPins(held)).map((p) => p.partner_id)).toEqual([ids.A]);
  expect(await connectedAudit(held)).toMatchObject({ linkAttributionSkipped: 'already_pinned' });
});
