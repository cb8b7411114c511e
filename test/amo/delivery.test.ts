import { VENDOR_ACCOUNT_ID } from '../support/app';
import {
  allDelivered,
  companyClientIds,
  startAmoTest,
  waitFor,
  waitForStatus,
  type AmoTestEnv,
} from './support/harness';

let env: AmoTestEnv;
const A = 31000001; // partner A's own amoCRM account: connected
const B = 31000002; // partner B: never installed the widget
let partnerA: string;
let partnerB: string;

beforeAll(async () => {
  env = await startAmoTest({ vendor: true });
  partnerA = await env.registerPartner(A, 'Интегратор Альфа');
  partnerB = await env.registerPartner(B, 'Бета Внедрение');
  await env.connect(A, 'alpha');
});
afterAll(() => env.close());

const V = VENDOR_ACCOUNT_ID;
const companyOf = (client: number) =>
  env.fake
    .companies(V)
    .filter((c) =>
      (c.custom_fields_values ?? []).some((f) => f.values.some((v) => Number(v.value) === client)),
    );
const notesOf = (companyId: number) => env.fake.notes(V).filter((n) => n.entity_id === companyId);
const tagsOf = (client: number) =>
  companyOf(client)[0]!
    ._embedded.tags.map((t) => t.name)
    .sort();

async function transfer(pinId: string, toPartnerId: string) {
  const res = await env.call('POST', `/api/v1/admin/pins/${pinId}/transfer`, {
    token: env.adminToken(),
    body: {
      toPartnerId,
      reason: 'клиент попросил сменить партнёра',
      clientRequest: { receivedAt: new Date().toISOString(), note: 'письмо клиента' },
    },
  });
  expect(res.status).toBe(200);
  return res.body as { from: { id: string }; to: { id: string } };
}

describe('vendor companies', () => {
  let pinId: string;

  it('a new pin creates one company for the client: account-id field, partner tag, and a note', async () => {
    const res = await env.pin(A, 50000001, { clientSubdomain: 'romashka' });
    expect(res.body).toMatchObject({ status: 'pinned', exclusive: true });
    pinId = res.body.id;
    await waitFor(() => allDelivered(env), 'delivery');

    const [company, ...others] = companyOf(50000001);
    expect(others).toEqual([]);
    expect(company!.name).toBe('romashka (аккаунт amoCRM 50000001)');
    expect(tagsOf(50000001)).toEqual(['Интегратор Альфа']);
    const field = env.fake.customFields(V).find((f) => f.code === 'AMOP_CLIENT_ACCOUNT_ID');
    expect(field).toMatchObject({ name: 'ID аккаунта клиента', type: 'text' });

    const notes = notesOf(company!.id);
    expect(notes).toHaveLength(1);
    const text = String(notes[0]!.params.text);
    expect(text).toContain('«Интегратор Альфа»');
    expect(text).toContain(partnerA);
    expect(text).toContain(`ID закрепления: ${pinId}`);
    expect(text).toContain(`Дата: ${new Date().toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' })}`);

    const row = await env.db.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'done', attempts: 1 });
    expect(row.result).toMatchObject({ companyId: company!.id, noteId: notes[0]!.id });
  });

  it('updates the same company on transfer and on release: the tag follows the pin, a note per event', async () => {
    const moved = await transfer(pinId, partnerB);
    await waitFor(() => allDelivered(env), 'transfer delivery');
    expect(companyOf(50000001)).toHaveLength(1);
    expect(tagsOf(50000001)).toEqual(['Бета Внедрение']);
    const companyId = companyOf(50000001)[0]!.id;
    expect(String(notesOf(companyId)[1]!.params.text)).toMatch(
      /передан партнёру «Бета Внедрение».*от партнёра «Интегратор Альфа»/,
    );

    const released = await env.call('POST', `/api/v1/admin/pins/${moved.to.id}/release`, {
      token: env.adminToken(),
      body: { reason: 'клиент ушёл' },
    });
    expect(released.status).toBe(200);
    await waitFor(() => allDelivered(env), 'release delivery');
    expect(companyOf(50000001)).toHaveLength(1);
    expect(tagsOf(50000001)).toEqual([]);
    expect(notesOf(companyId)).toHaveLength(3);
    expect(String(notesOf(companyId)[2]!.params.text)).toContain('снято');
  });

  it('a client the vendor amoCRM already has as a company waits for the client’s request', async () => {
    // The company pinned and released above makes the client "known" (rule 9).
    const res = await env.pin(A, 50000001);
    expect(res.body).toMatchObject({ status: 'pending_client_request', reason: 'existing_customer' });
  });
});

describe('partner tasks for routed questions', () => {
  it('creates a task in the partner’s own amoCRM when its account is connected', async () => {
    await env.pin(A, 50000002, { clientSubdomain: 'vasilek' });
    const res = await env.call('POST', '/api/v1/staff/clients/50000002/questions', {
      token: env.staffToken(),
      body: { text: 'Как настроить воронку под виджет?' },
    });
    expect(res.status).toBe(201);
    await waitFor(() => allDelivered(env), 'task delivery');
    const tasks = env.fake.tasks(A);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.text).toContain('Как настроить воронку под виджет?');
    expect(tasks[0]!.text).toContain(res.body.id);
    expect(tasks[0]!.text).toContain('vasilek');
    expect(tasks[0]!.complete_till).toBeGreaterThan(Date.now() / 1000);
  });

  it('keeps the question in the widget inbox only when the partner has not connected its amoCRM', async () => {
    await env.pin(B, 50000003);
    const res = await env.call('POST', '/api/v1/staff/clients/50000003/questions', {
      token: env.staffToken(),
      body: { text: 'Нужна помощь с настройкой' },
    });
    expect(res.status).toBe(201);
    await waitFor(() => allDelivered(env), 'question settled');
    const row = await env.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `question:${res.body.id}`)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'skipped', result: { reason: 'partner_not_connected' } });
    expect(() => env.fake.tasks(B)).toThrow(); // B has no amoCRM connection at all
    const inbox = await env.call('GET', '/api/v1/questions', { token: env.partnerToken(B) });
    expect(inbox.body.items.map((q: { id: string }) => q.id)).toContain(res.body.id);
  });
});

describe('a blocked vendor account (403)', () => {
  it('stops deliveries and raises an alert; after the block is lifted they resume', async () => {
    const first = await env.pin(A, 50000004);
    await waitFor(() => allDelivered(env), 'first company');

    env.fake.block(V);
    const seen = env.fake.requests.length;
    await transfer(first.body.id, partnerB); // its company update meets the 403
    await waitForStatus(env.db, 'amo_connections', V, 'blocked', 'blocked connection');
    const waiting = await env.pin(A, 50000005); // the known-customer check is not even tried
    expect(waiting.body).toMatchObject({ status: 'pending_check', reason: 'vendor_check_pending' });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a delivery sweep and a check run (1 s each)
    const sent = env.fake.requests.slice(seen).filter((r) => r.accountId === V);
    expect(sent.map((r) => r.status)).toEqual([403]);

    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(alerts.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'connection_blocked', accountId: V })]),
    );
    const pending = await env.db.db
      .selectFrom('outbox')
      .select('attempts')
      .where('status', '=', 'pending')
      .execute();
    expect(pending.length).toBeGreaterThan(0);

    env.fake.unblock(V);
    const resumed = await env.call('POST', `/api/v1/admin/amo/connections/${V}/resume`, {
      token: env.adminToken(),
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ accountId: V, status: 'active' });
    await waitFor(async () => {
      const pin = await env.db.db
        .selectFrom('pins')
        .select('status')
        .where('id', '=', waiting.body.id)
        .executeTakeFirstOrThrow();
      return pin.status === 'pinned' && (await allDelivered(env));
    }, 'deliveries after the block');
    expect(tagsOf(50000004)).toEqual(['Бета Внедрение']);
    expect(companyOf(50000005)).toHaveLength(1);
    expect(companyClientIds(env.fake).sort()).toEqual([50000001, 50000002, 50000003, 50000004, 50000005]);
    const again = await env.call('POST', `/api/v1/admin/amo/connections/${V}/resume`, {
      token: env.adminToken(),
    });
    expect(again.status).toBe(409);
  });
});
