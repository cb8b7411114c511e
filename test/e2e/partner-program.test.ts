/**
 * The partner's program page end to end (issue 13, seed 000 item 6), in headless Chromium against the real
 * API: under cloudlessons the partner reads its terms and level, makes a link and copies it; a visitor
 * clicks it through the server, billing reports two orders of that visitor's client, and the statistics
 * show the click, both orders, the first one's reward with its calculation and the second one's reason.
 * Under leadsender (pins) there are no links.
 */
import { type Locator } from 'playwright-core';
import { loadPreset } from '../../server/src/programs/program.presets';
import { paymentBody } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';
import { amoUser, e2eFile, openWidget, screenshot, SOLE_PROPRIETOR, squash } from './support';

const PARTNER = amoUser(30222333, 5201, 'link-agency', 'Лев Ссылкин');
const CLIENT = 30888777;

const usePreset = async (preset: string) => {
  const res = await e2e.app.call('PUT', '/api/v1/admin/program', {
    token: e2e.app.adminToken(),
    body: { preset },
  });
  expect(res.status).toBe(201);
};

const e2e = e2eFile(async (app) => {
  await usePreset('cloudlessons');
  await signContract(app, await registerPartner(app, PARTNER.account, SOLE_PROPRIETOR), 'Л-1');
});

async function openProgram(): Promise<Locator> {
  const root = await openWidget(e2e, 'advanced_settings', PARTNER);
  await root.getByRole('tab', { name: 'Программа' }).click();
  await root.locator('[data-section="program"]').waitFor();
  return root;
}

test('cloudlessons: terms and level, a copied link, a click and two orders in the statistics', async () => {
  const { context, page } = e2e.session;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.app.url });
  const root = await openProgram();
  const terms = squash(await root.locator('[data-section="program"]').textContent());
  expect(terms).toContain('30 %');
  expect(terms).toContain('только первый оплаченный заказ клиента');
  expect(terms).toContain('Ваш уровень: «Старт».');
  expect(terms).toContain('Ещё 10 заказов до уровня «Профи».');
  await expect(root.locator('[data-level="start"] progress').getAttribute('max')).resolves.toBe('10');

  const links = root.locator('[data-section="links"]');
  await links.getByRole('button', { name: 'Создать ссылку' }).click();
  const row = links.locator('tr[data-link]');
  await row.waitFor();
  const url = (await row.locator('code').textContent())!;
  const code = (await row.getAttribute('data-link'))!;
  expect(url).toMatch(new RegExp(`/r/${code}$`));
  await row.getByRole('button', { name: 'Скопировать' }).click();
  await row.getByText('Скопировано').waitFor();
  await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(url);
  await screenshot(page, 'partner-program');

  // A visitor opens the link: the server records the click and passes the visitor id to the landing.
  const click = await fetch(`${e2e.app.url}/r/${code}`, { redirect: 'manual' });
  expect(click.status).toBe(302);
  const visitorId = new URL(click.headers.get('location')!).searchParams.get('amop_visitor');
  for (const externalId of ['e2e-order-1', 'e2e-order-2']) {
    const paid = await e2e.app.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody(externalId, CLIENT, 1_000_000, new Date(), {
        productCode: 'cl-course',
        referral: { visitorId },
      }),
    });
    expect(paid.status).toBe(201);
  }

  await root.getByRole('tab', { name: 'Статистика' }).click();
  const summary = root.locator('[data-section="order-summary"]');
  await summary.locator('[data-summary="clicks"]').waitFor();
  const tile = async (key: string) =>
    squash(await summary.locator(`[data-summary="${key}"] .amop-tile__value`).textContent());
  await expect(tile('clicks')).resolves.toBe('1');
  await expect(tile('visitors')).resolves.toBe('1');
  await expect(tile('orders')).resolves.toBe('2');
  await expect(tile('rewarded')).resolves.toBe('1');
  await expect(tile('reward')).resolves.toBe('3 000,00 ₽');
  expect(squash(await summary.textContent())).toContain('Ещё 9 заказов до уровня «Профи».');

  const rows = root.locator('table[data-table="orders"] tbody tr');
  await expect(rows.count()).resolves.toBe(2);
  const [second, first] = [rows.nth(0), rows.nth(1)];
  expect(squash(await first.textContent())).toContain('e2e-order-1');
  await expect(first.locator('[data-reward]').getAttribute('data-reward')).resolves.toBe('300000');
  expect(squash(await first.locator('[data-calculation]').textContent())).toBe(
    '10 000,00 ₽ × 30 % ×1 (уровень «Старт») = 3 000,00 ₽',
  );
  expect(squash(await second.textContent())).toContain('e2e-order-2');
  await expect(second.getAttribute('data-order-reason')).resolves.toBe('not_first_order');
  expect(squash(await second.locator('[data-calculation]').textContent())).toBe('не первый заказ клиента');
  await screenshot(page, 'partner-orders');
});

test('where the page may not use the Clipboard API, the copy button still copies the link', async () => {
  const { page } = e2e.session;
  // As in an embedding that refuses the API: writeText rejects. The real fallback (a selected textarea and
  // execCommand) fires the browser's own copy event, whose selection is what lands on the clipboard.
  await page.addInitScript(() => {
    const copied: string[] = [];
    (window as unknown as { copied: string[] }).copied = copied;
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: () => Promise.reject(new DOMException('Refused', 'NotAllowedError')) },
    });
    document.addEventListener('copy', () => copied.push(String(document.getSelection())));
  });
  const root = await openProgram();
  const row = root.locator('[data-section="links"] tr[data-link]');
  await row.waitFor();
  const url = (await row.locator('code').textContent())!;
  await row.getByRole('button', { name: 'Скопировать' }).click();
  await row.getByText('Скопировано').waitFor();
  await expect(page.evaluate(() => (window as unknown as { copied: string[] }).copied)).resolves.toEqual([
    url,
  ]);
  // The helper textarea is gone again.
  await expect(page.locator('textarea').count()).resolves.toBe(0);
});

test('a code program: the partner sees its promo code and copies it, and no links section', async () => {
  const { context, page } = e2e.session;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.app.url });
  const document = structuredClone(loadPreset('cloudlessons')) as Record<string, unknown>;
  document.attribution = { via: 'code' };
  const saved = await e2e.app.call('PUT', '/api/v1/admin/program', {
    token: e2e.app.adminToken(),
    body: document,
  });
  expect(saved.status).toBe(201);
  const root = await openProgram();
  await expect(root.locator('[data-section="links"]').count()).resolves.toBe(0);
  const section = root.locator('[data-section="promo-code"]');
  // The partner made a link above, so its code exists already: the section shows it at once.
  const shown = section.locator('[data-promo-code]');
  await shown.waitFor();
  const code = (await shown.textContent())!;
  expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
  const listed = await e2e.app.call('GET', '/api/v1/links', { token: e2e.app.partnerToken(PARTNER.account) });
  expect(listed.body.promoCode).toBe(code);
  await section.getByRole('button', { name: 'Скопировать' }).click();
  await section.getByText('Скопировано').waitFor();
  await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(code);
  expect(squash(await section.textContent())).toContain('Клиент вводит его при оплате');
});

test('a partner with no link yet asks for its promo code with a button', async () => {
  const other = { ...PARTNER, account: 30222444, user: 5202, subdomain: 'code-agency', name: 'Кира Кодова' };
  await signContract(e2e.app, await registerPartner(e2e.app, other.account, SOLE_PROPRIETOR), 'Л-2');
  const root = await openWidget(e2e, 'advanced_settings', other);
  await root.getByRole('tab', { name: 'Программа' }).click();
  const section = root.locator('[data-section="promo-code"]');
  await section.getByRole('button', { name: 'Получить промокод' }).click();
  await section.locator('[data-promo-code]').waitFor();
  const listed = await e2e.app.call('GET', '/api/v1/links', { token: e2e.app.partnerToken(other.account) });
  await expect(section.locator('[data-promo-code]').textContent()).resolves.toBe(listed.body.promoCode);
});

test('reseller tiers: the partner sees its turnover, its discount and what the next discount needs today', async () => {
  await usePreset('reseller-tiers');
  const paid = await e2e.app.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody('e2e-reseller-1', PARTNER.account, 5_200_000, new Date(), { productCategory: 'vps' }),
  });
  expect(paid.status).toBe(201);
  const root = await openProgram();
  const tier = root.locator('[data-section="program"] [data-tier]');
  await tier.waitFor();
  const text = squash(await tier.textContent());
  expect(text).toContain('52 000,00 ₽');
  expect(text).toContain('Ваша скидка: VPS 19 %, DEDIC 7 %, SSL 3 %');
  expect(text).toContain('Сегодня до следующей скидки не хватает 48 000,00 ₽');
  await screenshot(e2e.session.page, 'partner-reseller-tier');
});

test('leadsender: the program tab shows 40 % and no links section', async () => {
  await usePreset('leadsender');
  const root = await openProgram();
  expect(squash(await root.locator('[data-section="program"]').textContent())).toContain('40 %');
  await expect(root.locator('[data-section="links"]').count()).resolves.toBe(0);
});
