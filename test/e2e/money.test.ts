/**
 * Money in the widget, end to end in headless chromium against the real API: an admin signs the
 * partner's contract; billing posts client payments and the partner sees each commission, the balance
 * and the month chart (server values, formatted in ru-RU); the partner asks for a net invoice, warned
 * about card payments before choosing; an admin runs payouts, opens the reward invoice PDF and marks it
 * paid; the partner sees it paid and opens its certificate.
 */
import fs from 'node:fs';
import { type Locator, type Page } from 'playwright-core';
import { paymentBody } from '../support/fixtures';
import { pinClient, registerPartner } from '../support/steps';
import {
  ADMIN,
  amoUser,
  e2eFile,
  nbsp,
  openWidget,
  screenshot,
  SOLE_PROPRIETOR,
  squash,
  until,
} from './support';

const PARTNER = amoUser(40111222, 5201, 'integrator', 'Пётр Петров');
const CLIENT = 40999888;
const SECOND_CLIENT = 40999777;
let partnerId: string;

const e2e = e2eFile(async (app) => {
  partnerId = await registerPartner(app, PARTNER.account, SOLE_PROPRIETOR);
  for (const client of [CLIENT, SECOND_CLIENT]) await pinClient(app, PARTNER.account, client);
  // No hold period in this program, so today's rewards are paid out in today's run.
  const settings = await app.call('PUT', '/api/v1/admin/settings', {
    token: app.adminToken(),
    body: { holdDays: 0 },
  });
  expect(settings.status).toBe(200);
});

/**
 * Clicks a PDF button: a tab opens with the PDF the API served (read back to check it is one). A Chromium
 * with a PDF viewer (Debian's) shows the blob in the tab; the headless shell `npm install` brings has no
 * viewer, so the same navigation becomes a download from that tab. Either way the bytes are read back.
 */
async function openPdf(button: Locator): Promise<string> {
  let tab: Page | undefined;
  // Listen on the tab the moment it exists: the download can start before any later subscription.
  const head = new Promise<string>((resolve, reject) => {
    e2e.page.context().once('page', (opened) => {
      tab = opened;
      opened.once('download', (download) => {
        download
          .path()
          .then((file) => resolve(fs.readFileSync(file).subarray(0, 5).toString('latin1')), reject);
      });
      opened.waitForURL(/^blob:/).then(
        () =>
          opened
            .evaluate(async () => {
              const bytes = new Uint8Array(await (await fetch(location.href)).arrayBuffer());
              return String.fromCharCode(...bytes.slice(0, 5));
            })
            .then(resolve, reject),
        // An aborted navigation is the download case: the listener above answers.
        () => undefined,
      );
    });
  });
  await button.click();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no tab showed or downloaded the PDF within 10 s')), 10_000);
  });
  try {
    return await Promise.race([head, timeout]);
  } finally {
    clearTimeout(timer);
    await tab?.close();
  }
}

test('an admin signs the partner’s contract on the admin page', async () => {
  const root = await openWidget(e2e, 'advanced_settings', ADMIN);
  await expect(root.getAttribute('data-role')).resolves.toBe('admin');
  const tab = root.getByRole('tab', { name: /Партнёры и договоры/ });
  await expect(tab.locator('.amop-tab__count').textContent()).resolves.toBe('1');
  await tab.click();
  const row = root.locator(`tr[data-partner-id="${partnerId}"]`);
  await row.getByLabel('№ договора').fill('П-2025/017');
  await screenshot(e2e.page, 'admin-partners');
  await row.getByRole('button', { name: 'Договор подписан' }).click();
  await row.locator('[data-partner-status="active"]').waitFor();
  expect(squash(await row.textContent())).toMatch(/Договор № П-2025\/017 от \d\d\.\d\d\.\d{4}/);
  expect(squash(await row.textContent())).toContain('выплаты разрешены');
});

test('billing posts payments; the partner sees each commission, the balance and the month chart', async () => {
  // Paid now: after the pins were made (a payment before a pin earns nothing).
  const pay = (externalId: string, clientAccountId: number, grossMinor: number) =>
    e2e.app.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody(externalId, clientAccountId, grossMinor, new Date()),
    });
  const first = await pay('bill-1001', CLIENT, 1_200_000);
  expect(first.status).toBe(201);
  expect(first.body.commission).toMatchObject({ rateBps: 4000, commissionMinor: 480_000, payable: true });
  const odd = await pay('bill-1002', SECOND_CLIENT, 33_333);
  expect(odd.body.commission.commissionMinor).toBe(13_333);

  const root = await openWidget(e2e, 'advanced_settings', PARTNER);
  await root.getByRole('tab', { name: 'Вознаграждения' }).click();
  const rows = root.locator('table[data-table="commissions"] tbody tr');
  await until(
    () => rows.count(),
    (n) => n === 2,
  );
  const row = root.locator(`tr[data-client="${CLIENT}"]`);
  expect(squash(await row.textContent())).toContain('12 000,00 ₽');
  expect(squash(await row.textContent())).toContain('40 %');
  await expect(row.locator('[data-commission]').textContent()).resolves.toBe(nbsp('4 800,00 ₽'));
  // The program's calculation, as the engine wrote it on the commission.
  await expect(row.locator('[data-commission]').getAttribute('title')).resolves.toBe(
    `${nbsp('12 000,00 ₽')} × ${nbsp('40 %')} = ${nbsp('4 800,00 ₽')}`,
  );
  await expect(row.locator('[data-payable]').textContent()).resolves.toBe('К выплате');
  await expect(
    root.locator(`tr[data-client="${SECOND_CLIENT}"] [data-commission]`).textContent(),
  ).resolves.toBe(nbsp('133,33 ₽'));

  // The balance is the server's sums, formatted (never added up in the browser).
  const balance = (
    await e2e.app.call('GET', '/api/v1/balance', { token: e2e.app.partnerToken(PARTNER.account) })
  ).body;
  expect(balance.payableMinor).toBe(493_333);
  await expect(root.locator('[data-balance="payableMinor"] .amop-money').textContent()).resolves.toBe(
    nbsp('4 933,33 ₽'),
  );
  const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' })
    .format(new Date())
    .slice(0, 7);
  await expect(root.locator(`.amop-chart [data-month="${month}"]`).getAttribute('data-minor')).resolves.toBe(
    '493333',
  );
  await screenshot(e2e.page, 'partner-earnings');
});

test('the partner asks for a net invoice: the card warning shows before choosing card, and the PDF opens', async () => {
  const root = await openWidget(e2e, 'advanced_settings', PARTNER);
  await root.getByRole('tab', { name: 'Счета' }).click();
  await root.getByRole('button', { name: 'Запросить счёт-нетто' }).click();
  const form = root.locator('form[data-form="net-invoice"]');
  // The server's words for card payment are there before the choice...
  const cardOption = form.locator('.amop-radio').filter({ hasText: 'Картой онлайн' });
  await until(
    async () => squash(await cardOption.textContent()),
    (text) => text.includes('только онлайн-чек, закрывающих документов для юридического лица не будет'),
  );
  // ...and choosing card raises the warning.
  await cardOption.locator('input').check();
  await form.locator('[data-card-warning="selected"]').waitFor();
  await form.getByLabel('ID аккаунта клиента').fill(String(CLIENT));
  await form.getByLabel('Код продукта').fill('amo-widget-pro');
  await form.getByLabel('Сколько заплатил клиент, ₽').fill('12 000,00');
  await form.getByRole('button', { name: 'Запросить счёт' }).click();
  const created = form.locator('[data-created-invoice]');
  await created.waitFor();
  // Half of what the client paid: computed by the server, shown as it says.
  expect(squash(await created.textContent())).toMatch(/^Счёт № \S+ выставлен на сумму 6 000,00 ₽/);
  await screenshot(e2e.page, 'partner-invoices');
  await expect(openPdf(created.getByRole('button', { name: 'Открыть PDF' }))).resolves.toBe('%PDF-');

  const listed = root.locator('table[data-table="invoices"] tr[data-invoice-kind="net"]');
  await listed.waitFor();
  await expect(listed.locator('[data-invoice-status]').textContent()).resolves.toBe('Выставлен');
});

test('an admin runs payouts, opens the reward invoice and marks it paid', async () => {
  const root = await openWidget(e2e, 'advanced_settings', ADMIN);
  await root.getByRole('tab', { name: 'Выплаты' }).click();
  await root.getByRole('button', { name: 'Сформировать счета' }).click();
  const done = root.locator('[data-payout-run]');
  await done.waitFor();
  expect(squash(await done.textContent())).toMatch(/счетов сформировано — 1\. Итого: 4 933,33 ₽$/);

  const invoice = root.locator('[data-section="issued-rewards"] tr[data-invoice-kind="reward"]');
  await invoice.waitFor();
  expect(squash(await invoice.textContent())).toContain(SOLE_PROPRIETOR.name);
  expect(squash(await invoice.textContent())).toContain(
    'Оплата вознаграждения по договору привлечения новых пользователей',
  );
  await root.locator('table[data-table="runs"] tbody tr').waitFor();
  await screenshot(e2e.page, 'admin-payouts');
  await expect(openPdf(invoice.getByRole('button', { name: 'Открыть PDF' }))).resolves.toBe('%PDF-');

  await invoice.getByRole('button', { name: 'Отметить оплату' }).click();
  await invoice.getByLabel('Способ оплаты счёта').selectOption('bank');
  await invoice.getByRole('button', { name: 'Оплачен', exact: true }).click();
  // Paid invoices leave the "to pay" list.
  await until(
    () => invoice.count(),
    (n) => n === 0,
  );

  // Running the same date again creates nothing and says so.
  await root.getByRole('button', { name: 'Сформировать счета' }).click();
  await root.locator('[data-payout-run][data-created="false"]').waitFor();
});

test('the partner sees the reward invoice paid, the balance paid out, and opens the certificate', async () => {
  const root = await openWidget(e2e, 'advanced_settings', PARTNER);
  await root.getByRole('tab', { name: 'Счета' }).click();
  const reward = root.locator('tr[data-invoice-kind="reward"]');
  await reward.waitFor();
  await expect(reward.locator('[data-invoice-status]').textContent()).resolves.toBe('Оплачен');
  expect(squash(await reward.textContent())).toContain('Банковский перевод');

  await root.getByRole('tab', { name: 'Вознаграждения' }).click();
  await expect(root.locator('[data-balance="paidOutMinor"] .amop-money').textContent()).resolves.toBe(
    nbsp('4 933,33 ₽'),
  );
  await expect(root.locator('[data-balance="payableMinor"] .amop-money').textContent()).resolves.toBe(
    nbsp('0,00 ₽'),
  );

  await root.getByRole('tab', { name: 'Сертификат' }).click();
  await expect(openPdf(root.getByRole('button', { name: 'Открыть сертификат (PDF)' }))).resolves.toBe(
    '%PDF-',
  );
  await root.locator('[data-opened-type="application/pdf"]').waitFor();
});

test('in English the same screens speak English, amounts stay in ru-RU format', async () => {
  const root = await openWidget(e2e, 'advanced_settings', { ...PARTNER, lang: 'en' });
  await root.getByRole('tab', { name: 'Rewards' }).click();
  const row = root.locator(`tr[data-client="${CLIENT}"]`);
  await row.waitFor();
  await expect(row.locator('[data-payable]').textContent()).resolves.toBe('Payable');
  await expect(row.locator('[data-commission]').textContent()).resolves.toBe(nbsp('4 800,00 ₽'));
  await expect(root.locator('[data-balance="paidOutMinor"] .amop-tile__label').textContent()).resolves.toBe(
    'Paid out',
  );
});
