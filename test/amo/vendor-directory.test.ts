import { createHmac } from 'node:crypto';
import { CLIENT_ACCOUNT_FIELD_CODE, CLIENT_ACCOUNT_FIELD_NAME } from '../../server/src/amo/amo.rules';
import { startAmoTest, VENDOR_ACCOUNT_ID, type AmoTestEnv } from './support/harness';

let env: AmoTestEnv;
const PARTNER = 36000001;
const V = VENDOR_ACCOUNT_ID;

beforeAll(async () => {
  // Workers off: the test decides when the pending-check job runs.
  env = await startAmoTest({ workers: false });
  await env.connect(V, 'vendor');
  await env.registerPartner(PARTNER, 'Партнёр Проверка');
  // The vendor keeps client account ids in a company field of its own, as in the captured webhook.
  env.fake.addCustomField(V, { name: CLIENT_ACCOUNT_FIELD_NAME, type: 'text' });
  env.fake.addCompany(V, {
    name: 'ООО «Давний клиент»',
    custom_fields_values: [
      { field_id: env.fake.customFields(V).at(-1)!.id, values: [{ value: '90000001' }] },
    ],
  });
  // Only the field counts: a company that merely mentions the number in its name is not this client.
  env.fake.addCompany(V, { name: 'Переписка про 90000002' });
});
afterAll(() => env.close());

const pinRow = (id: string) =>
  env.db.db.selectFrom('pins').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('the vendor amoCRM as the known-customer directory', () => {
  it('tells staff widgets the client-account field it uses, so the staff card works with no setting typed', async () => {
    const field = env.fake.customFields(V).find((f) => f.name === CLIENT_ACCOUNT_FIELD_NAME)!;
    const staff = await env.call('GET', '/api/v1/whoami', { token: env.staffToken() });
    expect(staff.body).toMatchObject({ role: 'staff', clientAccountFieldId: field.id });
    // A partner's own account has no such field of ours: its card field stays a widget setting.
    const partner = await env.call('GET', '/api/v1/whoami', { token: env.partnerToken(PARTNER) });
    expect(partner.body).toMatchObject({ role: 'partner', clientAccountFieldId: null });
  });

  it('makes a client with a company there wait for its own request (rule 9)', async () => {
    const known = await env.pin(PARTNER, 90000001);
    expect(known.body).toMatchObject({
      status: 'pending_client_request',
      reason: 'existing_customer',
      exclusive: false,
    });
    const unknown = await env.pin(PARTNER, 90000002);
    expect(unknown.body).toMatchObject({ status: 'pinned', exclusive: true });
    // The existing field was found by its name, not created again.
    expect(env.fake.customFields(V).filter((f) => f.name === CLIENT_ACCOUNT_FIELD_NAME)).toHaveLength(1);
    expect(env.fake.customFields(V).some((f) => f.code === CLIENT_ACCOUNT_FIELD_CODE)).toBe(false);
  });

  it('caches answers for a short while', async () => {
    const seen = env.fake.requests.length;
    expect(await env.amo.vendorDirectory.hasCompanyForAccount(90000003)).toBe(false);
    expect(await env.amo.vendorDirectory.hasCompanyForAccount(90000003)).toBe(false);
    expect(await env.amo.vendorDirectory.hasCompanyForAccount(90000001)).toBe(true);
    expect(env.fake.requests.slice(seen)).toHaveLength(1);
  });

  it('never pins silently when amoCRM cannot be asked: the pin waits and is decided when the check succeeds', async () => {
    env.fake.failNext(4, 503); // the look-up and its three retries
    const waiting = await env.pin(PARTNER, 90000004);
    expect(waiting.body).toMatchObject({
      status: 'pending_check',
      reason: 'vendor_check_pending',
      exclusive: false,
    });
    env.fake.addCompany(V, {
      name: 'Появилась позже',
      custom_fields_values: [
        { field_id: env.fake.customFields(V).at(-1)!.id, values: [{ value: '90000005' }] },
      ],
    });
    env.fake.failNext(4, 503);
    const knownLater = await env.pin(PARTNER, 90000005);
    expect(knownLater.body.status).toBe('pending_check');
    const queued = await env.db.db.selectFrom('outbox').select('dedupe_key').execute();
    expect(queued.filter((r) => r.dedupe_key.includes(waiting.body.id))).toEqual([]);

    // Still failing: nothing is decided.
    env.fake.failNext(4, 503);
    expect(await env.amo.decidePendingChecks()).toEqual({ pinned: 0, waiting: 0, stillPending: 2 });
    expect((await pinRow(waiting.body.id)).status).toBe('pending_check');

    expect(await env.amo.decidePendingChecks()).toEqual({ pinned: 1, waiting: 1, stillPending: 0 });
    const pinned = await pinRow(waiting.body.id);
    expect(pinned).toMatchObject({ status: 'pinned', exclusive: true, reason: null });
    expect(pinned.valid_from).not.toBeNull();
    expect(await pinRow(knownLater.body.id)).toMatchObject({
      status: 'pending_client_request',
      reason: 'existing_customer',
    });

    const outbox = await env.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `vendor_company:${waiting.body.id}:pinned`)
      .execute();
    expect(outbox).toHaveLength(1);
    const audit = await env.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'pin.vendor_check_decided')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.entity_id, a.actor_kind, a.details.status])).toEqual([
      [waiting.body.id, 'system', 'pinned'],
      [knownLater.body.id, 'system', 'pending_client_request'],
    ]);
    const history = await env.call('GET', `/api/v1/pins/${waiting.body.id}`, {
      token: env.partnerToken(PARTNER),
    });
    expect(history.body.history.map((h: { event: string }) => h.event)).toEqual(['pending_check', 'pinned']);
  });

  it('waits while the vendor account is not connected, says so to admins, and decides once it is', async () => {
    const signature = createHmac('sha256', env.config.amo.clientSecret)
      .update(`${env.config.amo.clientId}|${V}`)
      .digest('hex');
    const hook = await env.call(
      'GET',
      `/amo/disconnect?client_uuid=${env.config.amo.clientId}&account_id=${V}&signature=${signature}`,
    );
    expect(hook.status).toBe(200);
    const waiting = await env.pin(PARTNER, 90000006);
    expect(waiting.body.status).toBe('pending_check');
    expect(await env.amo.decidePendingChecks()).toMatchObject({ stillPending: 1 });
    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(alerts.body.items.map((a: { kind: string }) => a.kind).sort()).toEqual([
      'connection_disconnected',
      'vendor_not_connected',
    ]);

    await env.connect(V, 'vendor');
    expect(await env.amo.decidePendingChecks()).toEqual({ pinned: 1, waiting: 0, stillPending: 0 });
    const after = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(after.body.items).toEqual([]);
  });
});
