/**
 * Referral trees in the widget (issue 15 items 4 and 6), in headless Chromium against the real API: under a
 * program that attributes by promo code, the partner's «Рефералы» tab shows its referred partner, «Показать»
 * opens that partner's level (the partner it referred in turn) and then that one's client with both sides'
 * rewards in roubles; the admin opens the trees from their roots and breaks a link after confirming it.
 *
 * The tree: A ← B ← C (B by A's promo code, C by B's link). C's client pays with C's code; A's share of it
 * and the client's points are fixture rows (`test/support/referrals.ts`).
 */
import { loadPreset } from '../../server/src/programs/program.presets';
import { paymentBody } from '../support/fixtures';
import { insertClientReward, insertShare } from '../support/referrals';
import { ADMIN, amoUser, e2eFile, openWidget, screenshot, squash, until } from './support';

const A = amoUser(30444001, 5301, 'ref-agency', 'Анна Рефералова');
const B = 30444002;
const C = 30444003;
const CLIENT = 30999001;
const ids: Record<string, string> = {};

const e2e = e2eFile(async (app) => {
  // The cloudlessons preset attributing by promo code: a program with referrals, so the tab is shown. A version
  // cannot start in the past: it starts a second from now, and the setup waits it out.
  const effectiveFrom = Date.now() + 1000;
  const document = { ...structuredClone(loadPreset('cloudlessons')), attribution: { via: 'code' } };
  const saved = await app.call('PUT', '/api/v1/admin/program', {
    token: app.adminToken(),
    body: { ...document, effectiveFrom: new Date(effectiveFrom).toISOString() },
  });
  expect(saved.status).toBe(201);
  const register = async (account: number, name: string, referredBy?: string) => {
    const res = await app.call('POST', '/api/v1/partner', {
      token: app.partnerToken(account),
      body: { kind: 'individual', name, contacts: {}, ...(referredBy && { referredBy }) },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const linkOf = async (account: number) =>
    (await app.call('POST', '/api/v1/links', { token: app.partnerToken(account), body: {} })).body;
  ids.A = await register(A.account, 'Анна Рефералова');
  ids.B = await register(B, 'Борис Приглашённый', (await linkOf(A.account)).promoCode);
  const cLink = await linkOf(B);
  ids.C = await register(C, 'Вера Третья', cLink.code);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, effectiveFrom + 300 - Date.now())));
  const paid = await app.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody('e2e-ref-1', CLIENT, 1_000_000, new Date(), {
      referral: { code: (await linkOf(C)).promoCode },
    }),
  });
  expect(paid.body.commission).toMatchObject({ partnerId: ids.C });
  await insertShare(app, { paymentId: paid.body.id, partnerId: ids.A, depth: 2, minor: 15_000 });
  await insertClientReward(app, {
    paymentId: paid.body.id,
    clientAccountId: CLIENT,
    partnerId: ids.C,
    ruleId: 'points',
    minor: 40_000,
    at: '2026-03-01T10:00:00+03:00',
  });
});

test('the partner sees whom it referred and opens their levels one at a time', async () => {
  const root = await openWidget(e2e, 'advanced_settings', A);
  await root.getByRole('tab', { name: 'Рефералы' }).click();
  const section = root.locator('[data-section="referrals"]');
  await section.locator('[data-referrer]').waitFor();
  expect(squash(await section.locator('[data-referrer]').textContent())).toBe(
    'Вас не приглашал другой партнёр.',
  );

  const b = section.locator(`tr[data-ref-partner="${ids.B}"]`);
  expect(squash(await b.textContent())).toContain('Борис Приглашённый');
  await expect(b.locator('td').nth(2).textContent()).resolves.toBe('1');
  // Everything A earned through B's subtree: its share of C's client's payment.
  expect(squash(await b.locator('.amop-money').textContent())).toBe('150,00 ₽');
  // A level opens only when asked: C is not on the page yet.
  await expect(section.locator(`tr[data-ref-partner="${ids.C}"]`).count()).resolves.toBe(0);

  await b.getByRole('button', { name: 'Показать' }).click();
  const ofB = section.locator(`[data-ref-level="${ids.B}"]`);
  const c = ofB.locator(`tr[data-ref-partner="${ids.C}"]`);
  await c.waitFor();
  expect(squash(await c.textContent())).toContain('Вера Третья');
  expect(squash(await ofB.locator('.amop-empty').textContent())).toBe(
    'Клиентов с вознаграждением по промокоду или ссылке пока нет.',
  );
  await expect(b.getByRole('button', { name: 'Скрыть' }).getAttribute('aria-expanded')).resolves.toBe('true');

  await c.getByRole('button', { name: 'Показать' }).click();
  const client = section.locator(`[data-ref-level="${ids.C}"] tr[data-ref-client="${CLIENT}"]`);
  await client.waitFor();
  const cells = (await client.locator('td').allTextContents()).map(squash);
  expect(cells).toEqual([String(CLIENT), '01.03.2026', '400,00 ₽', '150,00 ₽']);
  expect(squash(await section.locator(`[data-ref-level="${ids.C}"] .amop-empty`).textContent())).toBe(
    'Приглашённых партнёров пока нет.',
  );
  await screenshot(e2e.page, 'partner-referrals');
});

test('the admin opens a tree from its root and breaks a link after confirming', async () => {
  const root = await openWidget(e2e, 'advanced_settings', ADMIN);
  await root.getByRole('tab', { name: 'Рефералы' }).click();
  const section = root.locator('[data-section="admin-referrals"]');
  const a = section.locator(`tr[data-ref-partner="${ids.A}"]`);
  await a.waitFor();
  // Roots have no referrer: nothing to break there.
  await expect(a.getByRole('button', { name: 'Разорвать связь' }).count()).resolves.toBe(0);
  await a.getByRole('button', { name: 'Показать' }).click();
  const b = section.locator(`[data-ref-level="${ids.A}"] tr[data-ref-partner="${ids.B}"]`);
  await b.getByRole('button', { name: 'Показать' }).click();
  const ofB = section.locator(`[data-ref-level="${ids.B}"]`);
  const c = ofB.locator(`tr[data-ref-partner="${ids.C}"]`);
  await c.getByRole('button', { name: 'Разорвать связь' }).click();

  const confirm = ofB.locator(`[data-ref-confirm="${ids.C}"]`);
  await screenshot(e2e.page, 'admin-referrals');
  expect(squash(await confirm.textContent())).toContain(
    'Разорвать связь партнёра «Вера Третья» с пригласившим «Борис Приглашённый»?',
  );
  // Cancelling does nothing.
  await confirm.getByRole('button', { name: 'Отмена' }).click();
  await expect(confirm.count()).resolves.toBe(0);
  await c.getByRole('button', { name: 'Разорвать связь' }).click();
  await confirm.getByRole('button', { name: 'Да, разорвать' }).click();

  await ofB.getByText('Приглашённых партнёров пока нет.').waitFor();
  const profile = await until(
    () => e2e.app.call('GET', '/api/v1/partner', { token: e2e.app.partnerToken(C) }),
    (r) => r.status === 200,
  );
  expect(profile.body.referredBy).toBeNull();
});
