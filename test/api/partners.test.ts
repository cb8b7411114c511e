import { extractPdf } from '../../server/src/documents/pdf-text.testing';
import { sealPlainPersonInns } from '../../server/src/partners/partner.service';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_BANK } from '../support/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

// Real requisites (TEST_BANK: Sberbank's bank details) and check-digit-valid personal ones.
const contacts = { email: 'partner@example.ru', phone: '+7 495 000-00-00', telegram: '@partner_ru' };
export const bodies = {
  legal_entity: {
    kind: 'legal_entity',
    name: 'ООО «Интегратор»',
    inn: '7707083893',
    kpp: '773601001',
    ogrn: '1027700132195',
    bank: TEST_BANK,
    contacts,
  },
  sole_proprietor: {
    kind: 'sole_proprietor',
    name: 'ИП Петров Пётр Петрович',
    inn: '500100732259',
    ogrn: '304500116000157',
    bank: TEST_BANK,
    contacts,
  },
  self_employed: {
    kind: 'self_employed',
    name: 'Сидорова Анна Ивановна',
    inn: '500100732259',
    passport: { series: '4512', number: '345678' },
    bank: TEST_BANK,
    contacts,
  },
  individual: { kind: 'individual', name: 'Иван Иванов', contacts: { email: 'ivan@example.ru' } },
} as const;

describe('partner registration', () => {
  it.each([
    ['legal_entity', 'pending_contract', 41000001],
    ['sole_proprietor', 'pending_contract', 41000002],
    ['self_employed', 'pending_contract', 41000003],
    ['individual', 'active', 41000004],
  ] as const)(
    'registers a %s partner with status %s and shows the profile back',
    async (kind, status, accountId) => {
      const token = t.partnerToken(accountId);
      const created = await t.call('POST', '/api/v1/partner', { token, body: bodies[kind] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        kind,
        status,
        accountId,
        payoutEligible: false,
        name: bodies[kind].name,
      });
      expect(created.body.id).toMatch(/^ptn_/);
      const fetched = await t.call('GET', '/api/v1/partner', { token });
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(created.body);
    },
  );

  it('shows the passport only masked and stores it encrypted', async () => {
    const res = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000003) });
    expect(res.body.passport).toEqual({ masked: '45 ** ***678' });
    expect(res.text).not.toContain('345678');
    const row = await t.db.db
      .selectFrom('partners')
      .select(['passport_enc'])
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.passport_enc).toMatch(/^v1\./);
    expect(row.passport_enc).not.toContain('4512');
    expect(row.passport_enc).not.toContain('345678');
  });

  it('stores a self-employed partner’s ИНН encrypted and shows it masked; an organisation’s stays plain', async () => {
    const res = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000003) });
    expect(res.body.inn).toBe('5001******59');
    expect(res.text).not.toContain('500100732259');
    const row = await t.db.db
      .selectFrom('partners')
      .select(['inn', 'inn_enc', 'inn_masked'])
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ inn: null, inn_masked: '5001******59' });
    expect(row.inn_enc).toMatch(/^v1\./);
    expect(row.inn_enc).not.toContain('500100732259');
    // The partner's own documents carry the whole ИНН, opened from the ciphertext.
    const month = new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 7);
    const statement = await t.call('GET', `/api/v1/statements/${month}`, { token: t.partnerToken(41000003) });
    expect(statement.status).toBe(200);
    expect((await extractPdf(statement.buffer)).text).toContain('500100732259');
    // A company's ИНН is public registry data: plain, unmasked.
    const company = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000001) });
    expect(company.body.inn).toBe('7707083893');
  });

  it('seals the ИНН of partners registered before it was encrypted, at start', async () => {
    const { body } = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000003) });
    // A row as migration 005 finds it: the person's ИНН in the clear.
    await t.db.db
      .updateTable('partners')
      .set({ inn: '500100732259', inn_enc: null, inn_masked: null })
      .where('id', '=', body.id)
      .execute();
    expect(await sealPlainPersonInns(t.db.db, t.config.encryptionKey)).toBe(1);
    expect(await sealPlainPersonInns(t.db.db, t.config.encryptionKey)).toBe(0);
    const after = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000003) });
    expect(after.body.inn).toBe('5001******59');
    const row = await t.db.db
      .selectFrom('partners')
      .select(['inn', 'inn_enc'])
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.inn).toBeNull();
    expect(row.inn_enc).toMatch(/^v1\./);
  });

  it('never writes the passport to the log', async () => {
    const joined = t.logs.join('\n');
    expect(joined).not.toContain('345678');
    expect(joined).not.toContain('4512');
    expect(joined).not.toContain(t.config.amo.clientSecret);
  });

  it('refuses to register the same account twice', async () => {
    const again = await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(41000001),
      body: bodies.legal_entity,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('partner_already_registered');
  });

  it('answers 404 partner_not_found to an unregistered account', async () => {
    const res = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41999999) });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'partner_not_found' });
  });

  it.each([
    ['inn', { ...bodies.legal_entity, inn: '7707083894' }, 'inn', 'ИНН'],
    ['ogrn', { ...bodies.legal_entity, ogrn: '1027700132196' }, 'ogrn', 'ОГРН'],
    ['kpp', { ...bodies.legal_entity, kpp: '77360100' }, 'kpp', 'КПП'],
    ['bik', { ...bodies.legal_entity, bank: { ...TEST_BANK, bik: '144525225' } }, 'bank.bik', 'БИК'],
    [
      'settlement account',
      { ...bodies.legal_entity, bank: { ...TEST_BANK, account: '40702810938000000002' } },
      'bank.account',
      'счёт',
    ],
    [
      'correspondent account',
      { ...bodies.legal_entity, bank: { ...TEST_BANK, correspondentAccount: '30101810400000000226' } },
      'bank.correspondentAccount',
      'счёт',
    ],
    ['ОГРНИП', { ...bodies.sole_proprietor, ogrn: '304500116000158' }, 'ogrn', 'ОГРНИП'],
    ['12-digit ИНН for an ИП', { ...bodies.sole_proprietor, inn: '7707083893' }, 'inn', 'ИНН'],
    [
      'passport number',
      { ...bodies.self_employed, passport: { series: '4512', number: '34567' } },
      'passport.number',
      'паспорт',
    ],
  ])('names the field of a bad %s, in English and Russian', async (_name, body, path, ruWord) => {
    const res = await t.call('POST', '/api/v1/partner', { token: t.partnerToken(42000001), body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    const error = res.body.errors.find((e: { path: string }) => e.path === path);
    expect(error).toBeDefined();
    expect(error.message).toMatch(/[a-z]/i);
    expect(error.messageRu.toLowerCase()).toContain(ruWord.toLowerCase());
  });

  it('requires the requisites of each kind', async () => {
    const { bank: _bank, ...withoutBank } = bodies.legal_entity;
    const res = await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(42000002),
      body: withoutBank,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('bank');
  });
});

describe('contracts', () => {
  it('lets an admin record the signed contract: the partner becomes active and payout eligible, audited', async () => {
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000002) });
    const signed = await t.call('POST', `/api/v1/admin/partners/${profile.body.id}/contract`, {
      token: t.adminToken(),
      body: { contractNumber: 'П-2026/017', signedAt: '2026-11-20T10:00:00+03:00' },
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({
      status: 'active',
      payoutEligible: true,
      contract: { number: 'П-2026/017', signedAt: '2026-11-20T07:00:00.000Z' },
    });
    const audit = await t.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', profile.body.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['partner.registered', 'partner.contract_signed']);
    expect(audit[1]).toMatchObject({ actor_kind: 'admin', actor_user_id: 7n });
  });

  it('refuses a contract for an individual (they get none)', async () => {
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000004) });
    const res = await t.call('POST', `/api/v1/admin/partners/${profile.body.id}/contract`, {
      token: t.adminToken(),
      body: { contractNumber: 'X-1', signedAt: '2026-11-20T10:00:00+03:00' },
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'unprocessable' });
  });

  it('answers 404 for an unknown partner id and refuses non-admins', async () => {
    const body = { contractNumber: 'X-1', signedAt: '2026-11-20T10:00:00+03:00' };
    expect(
      (
        await t.call('POST', '/api/v1/admin/partners/ptn_0000000000000000000000/contract', {
          token: t.adminToken(),
          body,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await t.call('POST', '/api/v1/admin/partners/ptn_0000000000000000000000/contract', {
          token: t.staffToken(),
          body,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.call('POST', '/api/v1/admin/partners/ptn_0000000000000000000000/contract', {
          token: t.partnerToken(41000001),
          body,
        })
      ).status,
    ).toBe(403);
  });

  it('blocks a partner with a reason, then unblocks it back to active', async () => {
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(41000002) });
    const blocked = await t.call('POST', `/api/v1/admin/partners/${profile.body.id}/status`, {
      token: t.adminToken(),
      body: { status: 'blocked', reason: 'нарушение правил' },
    });
    expect(blocked.body).toMatchObject({ status: 'blocked', payoutEligible: false });
    const unblocked = await t.call('POST', `/api/v1/admin/partners/${profile.body.id}/status`, {
      token: t.adminToken(),
      body: { status: 'active', reason: 'разобрались' },
    });
    expect(unblocked.body).toMatchObject({ status: 'active', payoutEligible: true });
  });

  it('lists partners to admins with a cursor', async () => {
    const first = await t.call('GET', '/api/v1/admin/partners?limit=2', { token: t.adminToken() });
    expect(first.body.items).toHaveLength(2);
    const second = await t.call('GET', `/api/v1/admin/partners?limit=2&cursor=${first.body.nextCursor}`, {
      token: t.adminToken(),
    });
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((p: { id: string }) => p.id)).size).toBe(
      4,
    );
  });
});
