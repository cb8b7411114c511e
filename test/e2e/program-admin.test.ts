/**
 * The program in the admin's widget, end to end in headless Chromium against the real API (issue 13): the
 * document in force as a form, a rate over 100 % caught before sending, a new rate saved as version 2 and
 * previewed on a pinned client, a preset applied, an error only the server sees (two levels from the same
 * minimum) shown on the fields, and the fraud queue before and after a partner's own purchase.
 */
import type { Locator } from 'playwright-core';
import { pinClient, registerPartner, signContract } from '../support/steps';
import { ADMIN, e2eFile, nbsp, openWidget, SOLE_PROPRIETOR, squash, until } from './support';

const PARTNER = 40222333;
const CLIENT = 40888111;
const VENDOR_DIRECT = 'rewards.0.amount.byChannelBps.vendor_direct';

const e2e = e2eFile(async (app) => {
  const partnerId = await registerPartner(app, PARTNER, SOLE_PROPRIETOR);
  await signContract(app, partnerId, 'П-2026/001');
  await pinClient(app, PARTNER, CLIENT);
});

const program = async () =>
  (await e2e.app.call('GET', '/api/v1/admin/program', { token: e2e.app.adminToken() })).body;

async function openTab(name: string, lang?: 'en'): Promise<Locator> {
  const root = await openWidget(e2e, 'advanced_settings', { ...ADMIN, lang });
  await root.getByRole('tab', { name }).click();
  return root;
}

/** The program form's field by its document path, and the error shown under it. */
const input = (root: Locator, path: string) =>
  root.locator(`form[data-form="program"] input[data-path="${path}"]`);
const errorOf = (root: Locator, path: string) => root.locator(`[data-error-for="${path}"]`);

test('the fraud queue says so while no partner has bought from itself', async () => {
  const root = await openTab('Подозрительные покупки');
  const section = root.locator('[data-section="fraud-queue"]');
  await expect(section.locator('.amop-empty').textContent()).resolves.toBe('Подозрительных покупок нет.');
});

test('the admin sees the leadsender rates; 140 % is refused on the field and nothing is sent', async () => {
  const root = await openTab('Программа');
  await expect(root.getByLabel('Клиент платит вендору, %').inputValue()).resolves.toBe('40');
  await expect(root.getByLabel('Продажа через партнёра (нетто), %').inputValue()).resolves.toBe('50');
  await expect(root.getByLabel('Дни выплат').inputValue()).resolves.toBe('1, 15');
  await expect(root.getByLabel('Минимум к выплате, ₽').inputValue()).resolves.toBe('1000');

  const puts: string[] = [];
  e2e.page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request.url());
  });
  await input(root, VENDOR_DIRECT).fill('140');
  await input(root, 'policies.payout.daysOfMonth').fill('1, 31');
  await root.getByRole('button', { name: 'Сохранить новую версию' }).click();
  await expect(errorOf(root, VENDOR_DIRECT).textContent()).resolves.toBe('Не больше 100 %');
  await expect(errorOf(root, 'policies.payout.daysOfMonth').textContent()).resolves.toBe(
    'Дни от 1 до 28 через запятую',
  );
  expect(puts).toEqual([]);
  expect((await program()).versions).toHaveLength(1);
});

test('45 % saved from today is version 2 in force, and the preview of 10 000 ₽ gives 4 500 ₽', async () => {
  const root = await openTab('Программа');
  await input(root, VENDOR_DIRECT).fill('45');
  const date = root.getByLabel('Действует с');
  await expect(date.inputValue()).resolves.toBe(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date()),
  );
  await root.getByRole('button', { name: 'Сохранить новую версию' }).click();
  await root.locator('table[data-table="program-versions"] tr[data-version="2"]').waitFor();
  const saved = await program();
  expect(saved.inForce.version).toBe(2);
  expect(saved.inForce.document.rewards[0].amount.byChannelBps).toEqual({
    vendor_direct: 4500,
    partner_net: 5000,
  });
  // The fields the form does not show are those of version 1.
  expect(saved.inForce.document.attribution).toEqual(saved.versions[1].document.attribution);
  // The form now shows the version in force.
  await expect(root.locator('[data-section="program"]').getAttribute('data-version')).resolves.toBe('2');
  await expect(input(root, VENDOR_DIRECT).inputValue()).resolves.toBe('45');

  const preview = root.locator('form[data-form="program-preview"]');
  await preview.getByLabel('ID аккаунта клиента').fill(String(CLIENT));
  await preview.getByLabel('Сумма платежа, ₽').fill('10 000');
  await preview.getByRole('button', { name: 'Рассчитать' }).click();
  const line = root.locator('table[data-table="preview"] tbody tr');
  await line.waitFor();
  await expect(line.locator('[data-amount]').textContent()).resolves.toBe(nbsp('4 500,00 ₽'));
  await expect(line.locator('[data-calculation]').textContent()).resolves.toBe(
    `${nbsp('10 000,00 ₽')} × ${nbsp('45 %')} = ${nbsp('4 500,00 ₽')}`,
  );
  expect(squash(await line.textContent())).toContain('Партнёр');
  expect(squash(await line.textContent())).toContain('К выплате');

  // A client nobody pinned: the reason, in Russian.
  await preview.getByLabel('ID аккаунта клиента').fill('40888999');
  await preview.getByRole('button', { name: 'Рассчитать' }).click();
  await expect(root.locator('[data-no-reward="not_attributed"]').textContent()).resolves.toBe(
    'Платёж не привязан ни к одному партнёру',
  );
  // A bad amount is the server's 400, shown on its field.
  await preview.getByLabel('Сумма платежа, ₽').fill('десять');
  await preview.getByRole('button', { name: 'Рассчитать' }).click();
  await preview.locator('[data-error-for="grossMinor"]').waitFor();
});

test('the cloudlessons preset, applied after a confirm; two levels from one minimum are the server’s 400 on those fields', async () => {
  const root = await openTab('Программа');
  await root.getByLabel('Шаблон программы').selectOption('cloudlessons');
  let asked = '';
  e2e.page.once('dialog', (dialog) => {
    asked = dialog.message();
    void dialog.accept();
  });
  await root.getByRole('button', { name: 'Применить шаблон' }).click();
  await root.locator('[data-section="program"][data-version="3"]').waitFor();
  expect(asked).toBe('Заменить программу шаблоном «cloudlessons»?');
  expect((await program()).inForce.document.name).toBe('cloudlessons');
  await expect(input(root, 'rewards.0.amount.defaultBps').inputValue()).resolves.toBe('30');
  await expect(input(root, 'levels.bands.1.multiplier').inputValue()).resolves.toBe('1,2');
  await expect(input(root, 'levels.bands.2.multiplier').inputValue()).resolves.toBe('4/3');
  await expect(
    root.locator('[data-field="levels.bands.1.multiplier"] .amop-field__hint').textContent(),
  ).resolves.toBe('×1,2');

  // A product rate is added, and the second level starts where the first does: only the server knows that is wrong.
  await root.getByRole('button', { name: 'Добавить продукт' }).click();
  await root.locator('[data-product-row="0"]').getByLabel('Код продукта').fill('cl-course');
  await root.locator('[data-product-row="0"]').getByLabel('Ставка, %').fill('40');
  await input(root, 'levels.bands.1.min').fill('0');
  await root.getByRole('button', { name: 'Сохранить новую версию' }).click();
  for (const band of [0, 1])
    await expect(errorOf(root, `levels.bands.${band}.min`).textContent()).resolves.toBe(
      'У двух уровней одинаковый минимум.',
    );
  await expect(errorOf(root, 'levels.bands.2.min').count()).resolves.toBe(0);
  expect((await program()).inForce.version).toBe(3);

  // Fixed, it saves, with the product's rate.
  await input(root, 'levels.bands.1.min').fill('10');
  await root.getByRole('button', { name: 'Сохранить новую версию' }).click();
  await root.locator('[data-section="program"][data-version="4"]').waitFor();
  expect((await program()).inForce.document.rewards[0].amount.productsBps).toEqual({ 'cl-course': 4000 });
});

test('a purchase through the partner’s own link with its own e-mail is in the fraud queue', async () => {
  const { app } = e2e;
  const link = await app.call('POST', '/api/v1/links', { token: app.partnerToken(PARTNER), body: {} });
  expect(link.status).toBe(201);
  const visit = await fetch(`${app.url}/r/${link.body.code}`, { redirect: 'manual' });
  expect(visit.status).toBe(302);
  const visitorId = visit.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
  const paid = await app.call('POST', '/api/v1/payments', {
    billing: true,
    body: {
      externalId: 'cl-self-1',
      clientAccountId: 40888222,
      grossMinor: 1_000_000,
      currency: 'RUB',
      channel: 'vendor_direct',
      paidAt: new Date().toISOString(),
      referral: { visitorId },
      payer: { email: SOLE_PROPRIETOR.contacts.email },
    },
  });
  expect(paid.status).toBe(201);
  expect(paid.body.commission).toBeNull();

  const root = await openTab('Подозрительные покупки');
  const row = root.locator(`table[data-table="fraud"] tr[data-payment-id="${paid.body.id}"]`);
  await row.waitFor();
  const text = squash(await row.textContent());
  expect(text).toContain(SOLE_PROPRIETOR.name);
  expect(text).toContain('40888222');
  expect(text).toContain('10 000,00 ₽');
  expect(text).toContain('Покупка самим партнёром');
  await expect(root.locator('table[data-table="fraud"] tbody tr').count()).resolves.toBe(1);
});

test('in English the program and the fraud queue speak English', async () => {
  const root = await openTab('Program', 'en');
  await until(
    () => root.getByLabel('Payout days').count(),
    (n) => n === 1,
  );
  await expect(root.getByRole('button', { name: 'Save a new version' }).count()).resolves.toBe(1);
  await expect(root.getByLabel('Multiplier').first().inputValue()).resolves.toBe('1');
  await input(root, 'rewards.0.amount.defaultBps').fill('101');
  await root.getByRole('button', { name: 'Save a new version' }).click();
  await expect(errorOf(root, 'rewards.0.amount.defaultBps').textContent()).resolves.toBe('At most 100 %');

  await root.getByRole('tab', { name: 'Suspicious purchases' }).click();
  const row = root.locator('table[data-table="fraud"] tbody tr');
  await row.waitFor();
  expect(squash(await row.textContent())).toContain('A purchase by the partner itself');
});
