import { sql } from 'kysely';
import { findEarningPinOn } from '../../server/src/pins/pin.repository';
import { balances, creditBalance } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const A = 71000001; // partner A's own amoCRM account
const B = 71000002;
const C = 71000003;
const BLOCKED = 71000009;
const partners: Record<number, string> = {};

async function register(accountId: number, name: string) {
  const res = await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(accountId),
    body: { kind: 'individual', name, contacts: { email: `p${accountId}@example.ru`, telegram: '@partner' } },
  });
  expect(res.status).toBe(201);
  partners[accountId] = res.body.id;
}

const pin = (accountId: number, clientAccountId: number, extra: Record<string, unknown> = {}) =>
  t.call('POST', '/api/v1/pins', { token: t.partnerToken(accountId), body: { clientAccountId, ...extra } });

beforeAll(async () => {
  await register(A, 'Партнёр А');
  await register(B, 'Партнёр Б');
  await register(C, 'Партнёр В');
  await register(BLOCKED, 'Заблокированный');
  await t.call('POST', `/api/v1/admin/partners/${partners[BLOCKED]}/status`, {
    token: t.adminToken(),
    body: { status: 'blocked', reason: 'тест блокировки' },
  });
});

describe('pinning a client', () => {
  it('pins a new account exclusively at once and queues the company for the vendor amoCRM', async () => {
    const res = await pin(A, 90000001, {
      clientSubdomain: 'Client-One',
      comment: 'ставлю виджет на следующей неделе',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      clientAccountId: 90000001,
      clientSubdomain: 'client-one',
      status: 'pinned',
      exclusive: true,
      reason: null,
    });
    expect(res.body.since).toEqual(expect.any(String));
    const outbox = await t.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', 'like', `vendor_company:${res.body.id}:%`)
      .execute();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      kind: 'vendor_company.sync',
      target_account_id: BigInt(t.config.vendorAccountId),
      status: 'pending',
    });
  });

  it('returns the existing pin when the same partner pins the same account again', async () => {
    const first = await pin(A, 90000002);
    const again = await pin(A, 90000002);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const rows = await t.db.db
      .selectFrom('pins')
      .select('id')
      .where('client_account_id', '=', 90000002n)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses an account pinned to another partner with already_pinned', async () => {
    const res = await pin(B, 90000001);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'rejected', exclusive: false, reason: 'already_pinned' });
  });

  it("refuses the partner's own account and the vendor's account", async () => {
    expect((await pin(A, A)).body).toMatchObject({ status: 'rejected', reason: 'own_account' });
    expect((await pin(A, t.config.vendorAccountId)).body).toMatchObject({
      status: 'rejected',
      reason: 'vendor_account',
    });
  });

  it('refuses a blocked partner and an unregistered account with 403', async () => {
    const blocked = await pin(BLOCKED, 90000050);
    expect({ status: blocked.status, code: blocked.body.code }).toEqual({
      status: 403,
      code: 'partner_blocked',
    });
    const stranger = await pin(71999999, 90000051);
    expect({ status: stranger.status, code: stranger.body.code }).toEqual({
      status: 403,
      code: 'registration_required',
    });
  });

  it('makes an account the vendor already knows wait for the client request, then pins it on the admin action', async () => {
    const known = await t.call('POST', '/api/v1/known-accounts', {
      billing: true,
      body: { accountIds: [90000010, 90000011, 90000011], source: 'billing' },
    });
    expect(known.body).toEqual({ added: 2, alreadyKnown: 0 });
    const again = await t.call('POST', '/api/v1/known-accounts', {
      billing: true,
      body: { accountIds: [90000010, 90000012] },
    });
    expect(again.body).toEqual({ added: 1, alreadyKnown: 1 });

    const waiting = await pin(A, 90000010);
    expect(waiting.body).toMatchObject({
      status: 'pending_client_request',
      exclusive: false,
      reason: 'existing_customer',
      since: null,
    });
    const staffBefore = await t.call('GET', '/api/v1/staff/clients/90000010', { token: t.staffToken() });
    expect(staffBefore.body).toMatchObject({
      salesMayContact: true,
      supportRouteTo: null,
      pin: { status: 'pending_client_request' },
    });

    const confirmed = await t.call('POST', `/api/v1/admin/pins/${waiting.body.id}/client-request`, {
      token: t.adminToken(),
      body: { note: 'письмо клиента от 20.11' },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'pinned', exclusive: true, reason: null });
    const twice = await t.call('POST', `/api/v1/admin/pins/${waiting.body.id}/client-request`, {
      token: t.adminToken(),
      body: {},
    });
    expect({ status: twice.status, code: twice.body.code }).toEqual({ status: 409, code: 'conflict' });
  });

  it('refuses the billing endpoint without the billing key', async () => {
    const res = await t.call('POST', '/api/v1/known-accounts', {
      headers: { Authorization: 'Bearer nope' },
      body: { accountIds: [1] },
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'billing_key_invalid' });
    const partnerTry = await t.call('POST', '/api/v1/known-accounts', {
      token: t.partnerToken(A),
      body: { accountIds: [1] },
    });
    expect(partnerTry.status).toBe(401);
  });

  it('lets exactly one of many partners pinning one account at the same instant win', async () => {
    const racers = [];
    for (let i = 0; i < 12; i++) {
      const accountId = 72000000 + i;
      await register(accountId, `Гонщик ${i}`);
      racers.push(accountId);
    }
    const results = await Promise.all(racers.map((accountId) => pin(accountId, 90000099)));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(results.filter((r) => r.body.status === 'pinned')).toHaveLength(1);
    expect(
      results.filter((r) => r.body.status === 'rejected' && r.body.reason === 'already_pinned'),
    ).toHaveLength(11);
    const holders = await t.db.db
      .selectFrom('pins')
      .select('id')
      .where('client_account_id', '=', 90000099n)
      .where('status', '=', 'pinned')
      .execute();
    expect(holders).toHaveLength(1);
  });

  it('lists only the partner’s own pins, and hides other partners’ pins as not found', async () => {
    const mine = await t.call('GET', '/api/v1/pins?limit=500', { token: t.partnerToken(A) });
    expect(mine.status).toBe(200);
    const pinA = mine.body.items.find((p: { clientAccountId: number }) => p.clientAccountId === 90000001);
    expect(pinA).toBeDefined();
    const theirs = await t.call('GET', '/api/v1/pins?limit=500', { token: t.partnerToken(B) });
    expect(theirs.body.items.map((p: { id: string }) => p.id)).not.toContain(pinA.id);
    const peek = await t.call('GET', `/api/v1/pins/${pinA.id}`, { token: t.partnerToken(B) });
    expect(peek.status).toBe(404);
    const own = await t.call('GET', `/api/v1/pins/${pinA.id}`, { token: t.partnerToken(A) });
    expect(own.body.history.map((e: { event: string }) => e.event)).toEqual(['pinned']);
  });
});

describe('client confirmation links', () => {
  let pinId: string;
  beforeAll(async () => {
    await t.call('POST', '/api/v1/known-accounts', {
      billing: true,
      body: { accountIds: [90000020, 90000021, 90000022] },
    });
    pinId = (await pin(A, 90000020)).body.id;
  });

  const link = async (id: string, accountId = A) =>
    t.call('POST', `/api/v1/pins/${id}/confirmation-link`, { token: t.partnerToken(accountId), body: {} });

  it('lets the client confirm from its own amoCRM account, once', async () => {
    const created = await link(pinId);
    expect(created.status).toBe(201);
    expect(created.body.url).toContain(`/confirm/${created.body.code}`);
    const client = t.partnerToken(90000020);
    const info = await t.call('GET', `/api/v1/client-requests/${created.body.code}`, { token: client });
    expect(info.body).toMatchObject({ pinId, clientAccountId: 90000020, partner: { name: 'Партнёр А' } });
    const confirmed = await t.call('POST', `/api/v1/client-requests/${created.body.code}/confirm`, {
      token: client,
      body: {},
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: pinId, status: 'pinned', exclusive: true });
    const reused = await t.call('POST', `/api/v1/client-requests/${created.body.code}/confirm`, {
      token: client,
      body: {},
    });
    expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 409, code: 'link_used' });
  });

  it('refuses the partner confirming its own pin with its own token', async () => {
    const id = (await pin(A, 90000021)).body.id;
    const created = await link(id);
    const res = await t.call('POST', `/api/v1/client-requests/${created.body.code}/confirm`, {
      token: t.partnerToken(A),
      body: {},
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'not_client_account' });
    const stillWaiting = await t.call('GET', `/api/v1/pins/${id}`, { token: t.partnerToken(A) });
    expect(stillWaiting.body.status).toBe('pending_client_request');
  });

  it('refuses an expired link', async () => {
    const id = (await pin(A, 90000022)).body.id;
    const created = await link(id);
    await sql`UPDATE client_request_links SET expires_at = now() - interval '1 second' WHERE pin_id = ${id}`.execute(
      t.db.db,
    );
    const res = await t.call('POST', `/api/v1/client-requests/${created.body.code}/confirm`, {
      token: t.partnerToken(90000022),
      body: {},
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 410, code: 'link_expired' });
  });

  it('refuses a made-up code and another partner asking for a link to my pin', async () => {
    const res = await t.call('POST', `/api/v1/client-requests/${'x'.repeat(32)}/confirm`, {
      token: t.partnerToken(90000022),
      body: {},
    });
    expect(res.status).toBe(404);
    expect((await link(pinId, B)).status).toBe(404);
  });
});

describe('sales check and support routing', () => {
  it('tells staff a pinned client must not be contacted and whom support routes it to', async () => {
    const res = await t.call('GET', '/api/v1/staff/clients/90000001', { token: t.staffToken() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      clientAccountId: 90000001,
      pin: {
        status: 'pinned',
        exclusive: true,
        since: expect.any(String),
        partner: { id: partners[A], name: 'Партнёр А', contacts: { email: `p${A}@example.ru` } },
      },
      salesMayContact: false,
      supportRouteTo: { id: partners[A], name: 'Партнёр А' },
    });
  });

  it('answers an unknown account normally: no pin, sales may contact', async () => {
    const res = await t.call('GET', '/api/v1/staff/clients/99999999', { token: t.staffToken() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      clientAccountId: 99999999,
      pin: null,
      salesMayContact: true,
      supportRouteTo: null,
    });
  });

  it('refuses staff endpoints to partner tokens and partner endpoints to staff tokens', async () => {
    expect((await t.call('GET', '/api/v1/staff/clients/90000001', { token: t.partnerToken(A) })).status).toBe(
      403,
    );
    expect(
      (
        await t.call('POST', '/api/v1/staff/clients/90000001/questions', {
          token: t.partnerToken(A),
          body: { text: 'вопрос' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await t.call('POST', '/api/v1/pins', { token: t.staffToken(), body: { clientAccountId: 5 } })).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/v1/questions', { token: t.staffToken() })).status).toBe(403);
    expect(
      (
        await t.call('POST', '/api/v1/admin/pins/pin_0000000000000000000000/release', {
          token: t.staffToken(),
          body: { reason: 'нет' },
        })
      ).status,
    ).toBe(403);
  });

  it('validates the account id in the path', async () => {
    const res = await t.call('GET', '/api/v1/staff/clients/12abc', { token: t.staffToken() });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('params.accountId');
  });

  it('routes a question to the partner, who sees it and marks it answered; another partner cannot', async () => {
    const routed = await t.call('POST', '/api/v1/staff/clients/90000001/questions', {
      token: t.staffToken(55),
      body: { text: 'Клиент спрашивает, как настроить рассылку' },
    });
    expect(routed.status).toBe(201);
    expect(routed.body).toMatchObject({
      partnerId: partners[A],
      clientAccountId: 90000001,
      answeredAt: null,
    });
    const task = await t.db.db
      .selectFrom('outbox')
      .selectAll()
      .where('dedupe_key', '=', `question:${routed.body.id}`)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ kind: 'partner_task.question', target_account_id: BigInt(A) });

    const inbox = await t.call('GET', '/api/v1/questions?answered=false', { token: t.partnerToken(A) });
    expect(inbox.body.items.map((q: { id: string }) => q.id)).toContain(routed.body.id);
    expect((await t.call('GET', '/api/v1/questions', { token: t.partnerToken(B) })).body.items).toEqual([]);
    expect(
      (
        await t.call('POST', `/api/v1/questions/${routed.body.id}/answered`, {
          token: t.partnerToken(B),
          body: {},
        })
      ).status,
    ).toBe(404);
    const answered = await t.call('POST', `/api/v1/questions/${routed.body.id}/answered`, {
      token: t.partnerToken(A),
      body: {},
    });
    expect(answered.body.answeredAt).toEqual(expect.any(String));
  });

  it('marks a question answered once when six requests race: every one gets the same 200, one audit row', async () => {
    for (let round = 0; round < 3; round++) {
      const routed = await t.call('POST', '/api/v1/staff/clients/90000001/questions', {
        token: t.staffToken(55),
        body: { text: `Вопрос наперегонки ${round}` },
      });
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.call('POST', `/api/v1/questions/${routed.body.id}/answered`, {
            token: t.partnerToken(A),
            body: {},
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(answers.map((a) => a.body.answeredAt)).size).toBe(1);
      const audit = await t.db.db
        .selectFrom('audit_log')
        .select('id')
        .where('entity_id', '=', routed.body.id)
        .where('action', '=', 'question.answered')
        .execute();
      expect(audit).toHaveLength(1);
    }
  });

  it('refuses to route a question about a client with no partner', async () => {
    const res = await t.call('POST', '/api/v1/staff/clients/99999999/questions', {
      token: t.staffToken(),
      body: { text: 'Вопрос без партнёра' },
    });
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 422,
      code: 'no_partner_for_client',
    });
  });
});

describe('disputes', () => {
  it('lets a partner dispute a rejected pin and an admin decide for it with compensation in the ledger', async () => {
    const rejected = (await pin(C, 90000001)).body;
    expect(rejected.status).toBe('rejected');
    const opened = await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(C),
      body: { kind: 'rejected_pin', pinId: rejected.id, text: 'Клиент наш с прошлого года, вот переписка' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'open', kind: 'rejected_pin', pinId: rejected.id });

    const open = await t.call('GET', '/api/v1/admin/disputes?status=open', { token: t.adminToken() });
    expect(open.body.items.map((d: { id: string }) => d.id)).toContain(opened.body.id);

    const decided = await t.call('POST', `/api/v1/admin/disputes/${opened.body.id}/decision`, {
      token: t.adminToken(),
      body: {
        decision: 'for_partner',
        reason: 'Наша ошибка: клиента закрепили не за тем партнёром',
        compensationMinor: 250000,
      },
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      status: 'decided_for_partner',
      compensationMinor: 250000,
      currency: 'RUB',
    });
    const list = await balances(t.db.db, { partnerId: partners[C] });
    expect(creditBalance(list, `partner:${partners[C]}:payable`)).toBe(250000n);
    const posting = await t.db.db
      .selectFrom('ledger_postings')
      .selectAll()
      .where('posting_key', '=', `dispute:${opened.body.id}:compensation`)
      .executeTakeFirstOrThrow();
    expect(posting.reason).toEqual({ disputeId: opened.body.id });

    const again = await t.call('POST', `/api/v1/admin/disputes/${opened.body.id}/decision`, {
      token: t.adminToken(),
      body: { decision: 'against_partner', reason: 'передумали' },
    });
    expect(again.status).toBe(409);
  });

  it('shows the partner a decision against it with the reason', async () => {
    const opened = await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(B),
      body: {
        kind: 'missing_commission',
        paymentExternalId: 'bill-2026-0042',
        text: 'Нет комиссии за продление клиента',
      },
    });
    await t.call('POST', `/api/v1/admin/disputes/${opened.body.id}/decision`, {
      token: t.adminToken(),
      body: { decision: 'against_partner', reason: 'Клиент не закреплён на дату оплаты' },
    });
    const mine = await t.call('GET', '/api/v1/disputes', { token: t.partnerToken(B) });
    expect(mine.body.items[0]).toMatchObject({
      id: opened.body.id,
      status: 'decided_against_partner',
      decisionReason: 'Клиент не закреплён на дату оплаты',
    });
    expect((await t.call('GET', '/api/v1/disputes', { token: t.partnerToken(A) })).body.items).toEqual([]);
  });

  it('refuses compensation on a decision against the partner, and disputing another partner’s pin', async () => {
    const opened = await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(B),
      body: { kind: 'missing_commission', paymentExternalId: 'bill-1', text: 'Ещё одна пропавшая комиссия' },
    });
    const bad = await t.call('POST', `/api/v1/admin/disputes/${opened.body.id}/decision`, {
      token: t.adminToken(),
      body: { decision: 'against_partner', reason: 'нет', compensationMinor: 100 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('compensationMinor');
    const mine = (await t.call('GET', '/api/v1/pins?status=pinned', { token: t.partnerToken(A) })).body
      .items[0];
    const foreign = await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(B),
      body: { kind: 'rejected_pin', pinId: mine.id, text: 'Чужой пин, попытка' },
    });
    expect(foreign.status).toBe(404);
  });
});

describe('transfers and release', () => {
  it('needs a recorded client request, moves the client, keeps history, and commissions follow the pin valid on the payment date', async () => {
    const original = (await pin(A, 90000030)).body;
    const withoutRequest = await t.call('POST', `/api/v1/admin/pins/${original.id}/transfer`, {
      token: t.adminToken(),
      body: { toPartnerId: partners[B], reason: 'клиент ушёл' },
    });
    expect(withoutRequest.status).toBe(400);
    expect(withoutRequest.body.errors.map((e: { path: string }) => e.path)).toContain('clientRequest');

    const beforeTransfer = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const moved = await t.call('POST', `/api/v1/admin/pins/${original.id}/transfer`, {
      token: t.adminToken(),
      body: {
        toPartnerId: partners[B],
        reason: 'клиент перешёл к другому интегратору',
        clientRequest: { receivedAt: '2026-11-20T12:00:00+03:00', note: 'письмо директора клиента' },
      },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.from).toMatchObject({
      id: original.id,
      status: 'transferred',
      until: expect.any(String),
    });
    expect(moved.body.to).toMatchObject({ status: 'pinned', exclusive: true, clientAccountId: 90000030 });

    const staff = await t.call('GET', '/api/v1/staff/clients/90000030', { token: t.staffToken() });
    expect(staff.body.pin.partner.id).toBe(partners[B]);
    const history = await t.call('GET', `/api/v1/pins/${original.id}`, { token: t.partnerToken(A) });
    expect(history.body.history.map((e: { event: string }) => e.event)).toEqual([
      'pinned',
      'transferred_out',
    ]);
    const adminView = await t.call('GET', `/api/v1/admin/pins/${moved.body.to.id}`, {
      token: t.adminToken(),
    });
    expect(adminView.body.history[0]).toMatchObject({
      event: 'transferred_in',
      details: { fromPinId: original.id },
    });

    expect((await findEarningPinOn(t.db.db, 90000030, beforeTransfer))?.partner_id).toBe(partners[A]);
    expect((await findEarningPinOn(t.db.db, 90000030, new Date()))?.partner_id).toBe(partners[B]);
  });

  it('releases a pin: the client is free again and can be pinned anew', async () => {
    const held = (await pin(A, 90000040)).body;
    const released = await t.call('POST', `/api/v1/admin/pins/${held.id}/release`, {
      token: t.adminToken(),
      body: { reason: 'клиент отказался от партнёра' },
    });
    expect(released.body).toMatchObject({ status: 'released', until: expect.any(String) });
    expect(
      (await t.call('GET', '/api/v1/staff/clients/90000040', { token: t.staffToken() })).body.pin,
    ).toBeNull();
    expect((await pin(B, 90000040)).body).toMatchObject({ status: 'pinned' });
  });

  it('attributes a waiting pin non-exclusively: the partner earns, sales may contact', async () => {
    await t.call('POST', '/api/v1/known-accounts', { billing: true, body: { accountIds: [90000060] } });
    const waiting = (await pin(C, 90000060)).body;
    const attributed = await t.call('POST', `/api/v1/admin/pins/${waiting.id}/attribute`, {
      token: t.adminToken(),
      body: { reason: 'клиент платит через партнёра' },
    });
    expect(attributed.body).toMatchObject({ status: 'attributed', exclusive: false });
    const staff = await t.call('GET', '/api/v1/staff/clients/90000060', { token: t.staffToken() });
    expect(staff.body).toMatchObject({ salesMayContact: true, supportRouteTo: { id: partners[C] } });
  });

  it('writes every state change to the audit log with who did it', async () => {
    const rows = await t.db.db.selectFrom('audit_log').select(['action', 'actor_kind']).execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const action of [
      'pin.created',
      'pin.client_request',
      'pin.transferred',
      'pin.released',
      'pin.attributed',
      'question.routed',
      'question.answered',
      'dispute.opened',
      'dispute.decided',
      'known_accounts.added',
    ]) {
      expect(actions).toContain(action);
    }
    expect(rows.filter((r) => r.action === 'pin.transferred').every((r) => r.actor_kind === 'admin')).toBe(
      true,
    );
  });
});

describe('the public confirmation page', () => {
  it('tells the client who asks and how to confirm, and says when a link is no good', async () => {
    await t.call('POST', '/api/v1/known-accounts', { billing: true, body: { accountIds: [90000070] } });
    const id = (await pin(A, 90000070)).body.id;
    const link = await t.call('POST', `/api/v1/pins/${id}/confirmation-link`, {
      token: t.partnerToken(A),
      body: {},
    });
    const page = await t.call('GET', `/confirm/${link.body.code}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('Партнёр А');
    expect(page.text).toContain(link.body.code);
    const bad = await t.call('GET', `/confirm/${'y'.repeat(32)}`);
    expect(bad.text).toContain('Ссылка недействительна');
  });
});
