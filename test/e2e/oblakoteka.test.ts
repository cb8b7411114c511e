/**
 * Seed 004 (the `oblakoteka` preset) in the widget, end to end in headless Chromium against the real API: a partner
 * demoted to Basic reads its level, this month's revenue against the 30 000 ₽ minimum, Cloudовка and the history in
 * words; an admin records its exam, sets a model and records a bounty through the forms, and runs «Пересчитать на
 * дату»; the partner is back at Professional «повышение: экзамен» and sees the bounty; another partner sees its
 * KVM rebate and its case-study bounty; a partner issues a bonus code, copies it, and is refused over the quarter's
 * amount under the amount field, and a free month right after the trial month under the month field.
 *
 * Dates are relative to today (Moscow), so the scenario holds whenever the test runs: the version in force since
 * 2000 is appended through the repository, since the API never lets a version start in the past.
 */
import type { Locator } from 'playwright-core';
import { programDate } from '../../server/src/payouts/payout.rules';
import { loadPreset } from '../../server/src/programs/program.presets';
import { appendVersion } from '../../server/src/programs/program.repository';
import type { TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { pinClient, registerPartner } from '../support/steps';
import { ADMIN, amoUser, e2eFile, openWidget, screenshot, SOLE_PROPRIETOR, squash } from './support';

const DEMOTED = amoUser(30440001, 5401, 'obl-demoted', 'Дина Понижена');
const REBATED = amoUser(30440002, 5402, 'obl-rebated', 'Рома Рибейтов');
const CLIENT = 30990001;
const CLIENT_2 = 30990002;

/** Months from the current Moscow month: `monthStart(-8)` is the 1st eight months ago, `YYYY-MM-DD`. */
const today = programDate(new Date());
const [Y, M] = today.split('-').map(Number) as [number, number];
function monthStart(offset: number): string {
  const index = Y * 12 + (M - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}
const ru = (date: string) => date.split('-').reverse().join('.');
/** The half-year that ended last: its first day and the 1st after it (when the KVM rebate runs). */
const half =
  M >= 7 ? { from: `${Y}-01-01`, run: `${Y}-07-01` } : { from: `${Y - 1}-07-01`, run: `${Y}-01-01` };
const secondMonthOfHalf = `${half.from.slice(0, 5)}${String(Number(half.from.slice(5, 7)) + 1).padStart(2, '0')}-15`;

const ids: Record<string, string> = {};

async function ok(res: Promise<{ status: number; body: any }>, status = 200) {
  const answer = await res;
  expect(answer.status).toBe(status);
  return answer.body;
}

async function contract(app: TestApp, partnerId: string, number: string, date: string) {
  await ok(
    app.call('POST', `/api/v1/admin/partners/${partnerId}/contract`, {
      token: app.adminToken(),
      body: { contractNumber: number, signedAt: `${date}T10:00:00+03:00` },
    }),
  );
}

const e2e = e2eFile(async (app) => {
  await app.db.db.transaction().execute((trx) =>
    appendVersion(trx, {
      document: loadPreset('oblakoteka'),
      effectiveFrom: new Date('2000-01-02T00:00:00Z'),
      createdBy: 'test:oblakoteka-e2e',
    }),
  );
  const admin = app.adminToken();

  // A partner under contract for eight months with no exam and no revenue: Basic since the 1st six months after.
  ids.demoted = await registerPartner(app, DEMOTED.account, SOLE_PROPRIETOR);
  await contract(app, ids.demoted, 'О-2026/1', monthStart(-8));
  await ok(
    app.call('POST', `/api/v1/admin/partners/${ids.demoted}/model`, {
      token: admin,
      body: { model: 'agent', from: monthStart(-8) },
    }),
  );

  // An Agent at Professional through the last half-year, buying 100 000 ₽ of KVM for itself in it: a 10 % rebate.
  ids.rebated = await registerPartner(app, REBATED.account);
  await contract(app, ids.rebated, 'О-2026/2', half.from);
  await ok(
    app.call('POST', `/api/v1/admin/partners/${ids.rebated}/model`, {
      token: admin,
      body: { model: 'agent', from: half.from },
    }),
  );
  await ok(
    app.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody(
        'obl-e2e-kvm',
        REBATED.account,
        10_000_000,
        new Date(`${secondMonthOfHalf}T12:00:00+03:00`),
        {
          productCategory: 'kvm',
        },
      ),
    }),
    201,
  );
  // The nightly job's work up to today: the demotion recorded, the last half-year's rebates settled.
  const settled = await ok(
    app.call('POST', '/api/v1/admin/program/settle', { token: admin, body: { asOf: today } }),
  );
  expect(settled.settlementsRecorded).toBeGreaterThan(0);
  await pinClient(app, DEMOTED.account, CLIENT);
  await pinClient(app, DEMOTED.account, CLIENT_2);
  // This month its client pays 12 000 ₽ (an Agent at Basic earns as a Referral): 18 000 ₽ short of the minimum.
  await ok(
    app.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody('obl-e2e-1', CLIENT, 1_200_000, new Date()),
    }),
    201,
  );

  await ok(
    app.call('POST', `/api/v1/admin/partners/${ids.rebated}/bounties`, {
      token: admin,
      body: { bountyId: 'case', publishedAt: `${half.run}T12:00:00+03:00` },
    }),
    201,
  );
});

async function openTab(who: object, name: string): Promise<Locator> {
  const root = await openWidget(e2e, 'advanced_settings', who);
  await root.getByRole('tab', { name }).click();
  return root;
}

const text = async (locator: Locator) => squash(await locator.innerText());
/** A table row's cells, each as one line of text. */
const cells = async (row: Locator) => (await row.locator('td').allInnerTexts()).map(squash);

test('a demoted partner reads its level, this month against 30 000 ₽, Cloudовка, its model and the history in words', async () => {
  const root = await openTab(DEMOTED, 'Программа');
  const keep = root.locator('[data-level-keep]');
  await keep.waitFor();
  await expect(keep.getAttribute('data-level-keep')).resolves.toBe('basic');
  const demotedOn = monthStart(-2);
  expect(await text(keep.locator('p').first())).toBe(`Ваш уровень: «Basic» с ${ru(demotedOn)}.`);
  const month = keep.locator('[data-month-revenue]');
  await expect(month.getAttribute('data-month-revenue')).resolves.toBe('1200000');
  expect(await text(month)).toBe('12 000,00 ₽ из 30 000,00 ₽ Ещё 18 000,00 ₽ до 30 000,00 ₽');
  await expect(month.locator('progress').getAttribute('max')).resolves.toBe('3000000');
  expect(await text(keep.locator('[data-exams]'))).toBe('не сдавались');
  // Cloudовка is paid six months after the demotion unless the partner returns.
  expect(await text(keep.locator('[data-perk-paid-from]'))).toBe(`платная с ${ru(monthStart(4))}`);
  expect(await text(keep.locator('[data-model]'))).toBe(
    `Agent с ${ru(monthStart(-8))} Пока уровень ниже нужного, начисления идут по модели Referral.`,
  );
  const history = keep.locator('table[data-table="level-history"] tbody tr');
  await expect(
    history.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reason'))),
  ).resolves.toEqual(['demotion', 'contract']);
  await expect(cells(history.nth(0))).resolves.toEqual([
    ru(demotedOn),
    'Basic',
    'понижение: льготный срок прошёл без экзамена и без выручки 30 000,00 ₽ в месяц',
  ]);
  await expect(cells(history.nth(1))).resolves.toEqual([
    ru(monthStart(-8)),
    'Professional',
    'договор: начальный уровень',
  ]);
  await screenshot(e2e.page, 'partner-oblakoteka-level');
});

test('the admin records an exam, sets the model and records a ranged bounty through the forms, and recomputes', async () => {
  const root = await openTab(ADMIN, 'Уровни и бонусы');
  const actions = root.locator('[data-section="partner-actions"]');
  await actions.locator('select[data-path="partnerId"]').selectOption(ids.demoted!);

  const exam = actions.locator('form[data-form="exam"]');
  await exam.locator('input[data-path="passedAt"]').fill(today);
  await exam.getByRole('button', { name: 'Записать экзамен' }).click();
  const examDone = exam.locator('[data-exam]');
  await examDone.waitFor();
  // The review also writes the history the nightly job has not yet (the demotion), so the count is at least 1.
  expect(await text(examDone)).toMatch(
    new RegExp(
      `^Экзамен ${ru(today)} записан\\. Все экзамены: ${ru(today)}\\. Изменений уровня: [1-9]\\d*\\.$`,
    ),
  );

  // A ranged bounty needs its amount: 5 000 ₽ is outside 10 000–30 000 ₽ and the server says so under the field.
  const bounty = actions.locator('form[data-form="bounty"]');
  await bounty.locator('select[data-path="bountyId"]').selectOption('telegram');
  await bounty.locator('input[data-path="amountMinor"]').fill('5000');
  await bounty.getByRole('button', { name: 'Записать бонус' }).click();
  const refusal = bounty.locator('[data-error-for="amountMinor"]');
  await refusal.waitFor();
  expect(await text(refusal)).toBe('Сумма бонуса должна быть в пределах, установленных программой');
  expect(await text(bounty.locator('.amop-field__hint'))).toBe('10 000,00 ₽ – 30 000,00 ₽');
  await bounty.locator('input[data-path="amountMinor"]').fill('15 000');
  await bounty.getByRole('button', { name: 'Записать бонус' }).click();
  const recorded = bounty.locator('[data-bounty="telegram"]');
  await recorded.waitFor();
  await expect(recorded.getAttribute('data-amount')).resolves.toBe('1500000');

  const model = actions.locator('form[data-form="model"]');
  await model.locator('select[data-path="model"]').selectOption('white_label');
  await model.getByRole('button', { name: 'Назначить модель' }).click();
  await model.locator('[data-model-set="white_label"]').waitFor();
  expect(await text(model.locator('[data-model-set]'))).toBe(`Модель White Label с ${ru(today)}.`);

  const settle = root.locator('[data-section="settle"]');
  await settle.getByRole('button', { name: 'Пересчитать' }).click();
  const settled = settle.locator('[data-settled]');
  await settled.waitFor();
  expect(await text(settled)).toMatch(
    new RegExp(`^Пересчёт на ${ru(today).replace(/\./g, '\\.')}: изменений уровней — \\d+`),
  );
  await screenshot(e2e.page, 'admin-oblakoteka');

  // What the forms did, as the API tells it.
  const terms = await ok(
    e2e.app.call('GET', '/api/v1/program', { token: e2e.app.partnerToken(DEMOTED.account) }),
  );
  expect(terms.levelKeep.examsPassedOn).toEqual([today]);
  expect(terms.model.code).toBe('white_label');
  const extras = await ok(
    e2e.app.call('GET', '/api/v1/settlements', { token: e2e.app.partnerToken(DEMOTED.account) }),
  );
  expect(extras.items.map((r: { ruleId: string; amountMinor: number }) => [r.ruleId, r.amountMinor])).toEqual(
    [['telegram', 1_500_000]],
  );
});

test('after the exam the partner is back at Professional «повышение: экзамен» and sees its bounty', async () => {
  const root = await openTab(DEMOTED, 'Программа');
  const keep = root.locator('[data-level-keep="professional"]');
  await keep.waitFor();
  expect(await text(keep.locator('[data-months-left]'))).toBe('не грозит: экзамен сдан');
  await expect(cells(keep.locator('table[data-table="level-history"] tbody tr').first())).resolves.toEqual([
    ru(today),
    'Professional',
    'повышение: экзамен',
  ]);
  expect(await text(keep.locator('[data-perk-paid-from]'))).toBe('бесплатно');

  await root.getByRole('tab', { name: 'Рибейты и бонусы' }).click();
  const row = root.locator('table[data-table="extras"] tr[data-rule="telegram"]');
  await row.waitFor();
  await expect(cells(row)).resolves.toEqual([
    ru(today),
    'Бонус за комментарий в Telegram бонус за публикацию',
    '—',
    '15 000,00 ₽',
    'выплата',
    `опубликовано ${ru(today)}`,
  ]);
});

test('a partner reads its KVM rebate with the calculation and its case-study bounty', async () => {
  const root = await openTab(REBATED, 'Рибейты и бонусы');
  const table = root.locator('table[data-table="extras"]');
  await table.waitFor();
  const kvm = table.locator('tr[data-rule="kvm"]');
  await expect(kvm.getAttribute('data-amount')).resolves.toBe('1000000');
  await expect(kvm.getAttribute('data-form')).resolves.toBe('payout');
  const end = half.run === `${Y}-07-01` ? `${Y}-06-30` : `${Y - 1}-12-31`;
  // Settled by the run made today, for the half-year that ended.
  await expect(cells(kvm)).resolves.toEqual([
    ru(today),
    'Рибейт за ElasticCloud на KVM рибейт',
    `${ru(half.from)} – ${ru(end)}`,
    '10 000,00 ₽',
    'выплата',
    `Рибейт за ElasticCloud на KVM за ${ru(half.from)}–${ru(end)}: 100 000,00 ₽ × 10 % = 10 000,00 ₽`,
  ]);
  const bounty = table.locator('tr[data-rule="case"]');
  await expect(bounty.getAttribute('data-amount')).resolves.toBe('4000000');
  await expect(cells(bounty)).resolves.toEqual([
    ru(half.run),
    'Бонус за опубликованный кейс бонус за публикацию',
    '—',
    '40 000,00 ₽',
    'выплата',
    `опубликовано ${ru(half.run)}`,
  ]);
  await screenshot(e2e.page, 'partner-oblakoteka-extras');
});

test('a partner issues a bonus code and copies it; over the quarter’s amount and right after the trial month it is refused under the field', async () => {
  const { context, page } = e2e.session;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.app.url });
  const root = await openTab(DEMOTED, 'Бонусные коды и бесплатные месяцы');
  const codes = root.locator('[data-section="bonus-codes"]');
  await codes.waitFor();
  expect(await text(codes.locator('[data-quota]'))).toContain(
    'Осталось кодов: 10 из 10; суммы 30 000,00 ₽ из 30 000,00 ₽',
  );
  await expect(codes.locator('.amop-empty').textContent()).resolves.toBe('Кодов пока нет.');

  const form = codes.locator('form[data-form="bonus-code"]');
  // The widget's own check first: nothing is sent for an amount that is not one.
  await form.locator('input[data-path="clientAccountId"]').fill(String(CLIENT));
  await form.locator('input[data-path="amountMinor"]').fill('пять');
  await form.getByRole('button', { name: 'Выдать код' }).click();
  expect(await text(form.locator('[data-error-for="amountMinor"]'))).not.toBe('');

  await form.locator('input[data-path="amountMinor"]').fill('5 000,50');
  await form.getByRole('button', { name: 'Выдать код' }).click();
  const issued = codes.locator('[data-issued-code]');
  await issued.waitFor();
  const code = (await issued.getAttribute('data-issued-code'))!;
  expect(code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  await issued.getByRole('button', { name: 'Скопировать' }).click();
  await issued.getByText('Скопировано').waitFor();
  await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(code);
  await codes.locator(`tr[data-code="${code}"]`).waitFor();
  await expect(cells(codes.locator(`tr[data-code="${code}"]`))).resolves.toEqual([
    code,
    String(CLIENT),
    '5 000,50 ₽',
    ru(today),
  ]);
  expect(await text(codes.locator('[data-quota]'))).toContain(
    'Осталось кодов: 9 из 10; суммы 24 999,50 ₽ из 30 000,00 ₽',
  );

  // 25 000 ₽ more is over the quarter's 30 000 ₽: the server's Russian rule under the amount field.
  await form.locator('input[data-path="clientAccountId"]').fill(String(CLIENT_2));
  await form.locator('input[data-path="amountMinor"]').fill('25000');
  await form.getByRole('button', { name: 'Выдать код' }).click();
  const refusal = form.locator('[data-error-for="amountMinor"]');
  await refusal.waitFor();
  expect(await text(refusal)).toMatch(/30 000,00 ₽/);
  expect(await text(refusal)).toMatch(/[а-я]/);
  await expect(codes.locator('tbody tr').count()).resolves.toBe(1);

  // A free month: the month right after the client's trial month (pinned this month) is refused under the month.
  const months = root.locator('[data-section="free-months"]');
  const monthForm = months.locator('form[data-form="free-month"]');
  await monthForm.locator('input[data-path="clientAccountId"]').fill(String(CLIENT));
  await monthForm.locator('input[data-path="month"]').fill(monthStart(1).slice(0, 7));
  await monthForm.getByRole('button', { name: 'Подарить месяц' }).click();
  const monthRefusal = monthForm.locator('[data-error-for="month"]');
  await monthRefusal.waitFor();
  expect(await text(monthRefusal)).toMatch(/[а-я]/);
  await monthForm.locator('input[data-path="month"]').fill(monthStart(2).slice(0, 7));
  await monthForm.getByRole('button', { name: 'Подарить месяц' }).click();
  await months.locator(`[data-granted-month="${monthStart(2).slice(0, 7)}"]`).waitFor();
  await months.locator(`tr[data-client="${CLIENT}"]`).waitFor();
  await expect(cells(months.locator(`tr[data-client="${CLIENT}"]`))).resolves.toEqual([
    String(CLIENT),
    monthStart(2).slice(0, 7),
    '1',
  ]);
  await screenshot(page, 'partner-oblakoteka-allowances');
});

test("the admin sees a partner's quotas as the partner does and grants a free month on its behalf", async () => {
  const root = await openTab(ADMIN, 'Уровни и бонусы');
  const actions = root.locator('[data-section="partner-actions"]');
  await actions.locator('select[data-path="partnerId"]').selectOption(ids.demoted!);
  const codes = actions.locator('[data-section="bonus-codes"]');
  await codes.waitFor();
  // The partner's code from the test before, counted against its quarter.
  expect(await text(codes.locator('[data-quota]'))).toContain(
    'Осталось кодов: 9 из 10; суммы 24 999,50 ₽ из 30 000,00 ₽',
  );
  const months = actions.locator('[data-section="free-months"]');
  const monthForm = months.locator('form[data-form="free-month"]');
  await monthForm.locator('input[data-path="clientAccountId"]').fill(String(CLIENT_2));
  await monthForm.locator('input[data-path="month"]').fill(monthStart(2).slice(0, 7));
  await monthForm.getByRole('button', { name: 'Подарить месяц' }).click();
  await months.locator(`tr[data-client="${CLIENT_2}"]`).waitFor();
  const mine = await ok(
    e2e.app.call('GET', '/api/v1/allowances', { token: e2e.app.partnerToken(DEMOTED.account) }),
  );
  expect(
    mine.freeMonths.clients.map((c: { clientAccountId: number; months: string[] }) => [
      c.clientAccountId,
      c.months,
    ]),
  ).toEqual([
    [CLIENT, [monthStart(2).slice(0, 7)]],
    [CLIENT_2, [monthStart(2).slice(0, 7)]],
  ]);
});

test('under a program without seed 004 blocks there are no such tabs', async () => {
  const saved = await e2e.app.call('PUT', '/api/v1/admin/program', {
    token: e2e.app.adminToken(),
    body: { preset: 'leadsender' },
  });
  expect(saved.status).toBe(201);
  const partner = await openWidget(e2e, 'advanced_settings', DEMOTED);
  // Every load of the page has answered once the bounty's tab is there and the network is quiet.
  await partner.getByRole('tab', { name: 'Рибейты и бонусы' }).waitFor();
  await e2e.page.waitForLoadState('networkidle');
  // The bounty recorded above keeps «Рибейты и бонусы» for this partner; the allowances are the program's.
  await expect(partner.getByRole('tab', { name: 'Бонусные коды и бесплатные месяцы' }).count()).resolves.toBe(
    0,
  );
  const admin = await openWidget(e2e, 'advanced_settings', ADMIN);
  await admin.getByRole('tab', { name: 'Программа' }).waitFor();
  await e2e.page.waitForLoadState('networkidle');
  await expect(admin.getByRole('tab', { name: 'Уровни и бонусы' }).count()).resolves.toBe(0);
});
