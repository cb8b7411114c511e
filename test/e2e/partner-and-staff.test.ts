/**
 * The widget end to end, in headless chromium against the real API: a partner registers and pins
 * clients; the vendor's staff open the client's company card, see the pin banner and route a question
 * the partner then sees and answers; the client confirms a partner's request from its own account; and
 * the error states (expired token, server down, 403, validation) read as plain words.
 */
import { type Locator, type Page } from 'playwright-core';
import { amoUser, e2eFile, openWidget, screenshot, SOLE_PROPRIETOR, squash, until } from './support';

const PARTNER = amoUser(30111222, 5101, 'partner-agency', 'Анна Партнёрова');
const NEW_CLIENT = 30999888;
const KNOWN_CLIENT = 30777666;
const STAFF = { identity: 'staff' } as const;

const e2e = e2eFile(async (app) => {
  // The billing system tells us which accounts the vendor already serves (rule 9).
  const known = await app.call('POST', '/api/v1/known-accounts', {
    billing: true,
    body: { accountIds: [KNOWN_CLIENT], source: 'installs' },
  });
  expect(known.status).toBe(200);
});

const field = (root: ReturnType<Page['locator']>, path: string) => root.locator(`[data-path="${path}"]`);
const errorUnder = (root: ReturnType<Page['locator']>, path: string) =>
  root.locator(`[data-field="${path}"] .amop-field__error`);

describe('partner mode', () => {
  test('a visitor registers as a sole proprietor: Russian inline checks, server field errors, then the partner page', async () => {
    const root = await openWidget(e2e, 'advanced_settings', PARTNER);
    await expect(root.getAttribute('data-role')).resolves.toBe('visitor');
    await expect(root.locator('[role="tab"][aria-selected="true"]').textContent()).resolves.toBe(
      'Стать партнёром',
    );
    await screenshot(e2e.page, 'visitor-register');

    const form = root.locator('form[data-form="register"]');
    await form.getByLabel('Индивидуальный предприниматель').check();
    await field(form, 'name').fill(SOLE_PROPRIETOR.name);
    // An ИНН with a wrong check digit is caught before sending, with the shared validator's words.
    await field(form, 'inn').fill('500100732258');
    await field(form, 'ogrn').fill(SOLE_PROPRIETOR.ogrn);
    await field(form, 'bank.bik').fill('044525225');
    await field(form, 'bank.account').fill('4070 2810 9380 0000 0001'); // spaces are forgiven
    await field(form, 'bank.correspondentAccount').fill(SOLE_PROPRIETOR.bank.correspondentAccount);
    await field(form, 'bank.bankName').fill(SOLE_PROPRIETOR.bank.bankName);
    await field(form, 'contacts.email').fill(SOLE_PROPRIETOR.contacts.email);
    // Too short for Telegram: only the server knows that rule.
    await field(form, 'contacts.telegram').fill('@ab');
    await form.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await expect(errorUnder(form, 'inn').textContent()).resolves.toMatch(/^ИНН: /);
    await expect(field(form, 'inn').getAttribute('aria-invalid')).resolves.toBe('true');
    // Focus moved to the first bad field.
    await expect(e2e.page.evaluate(() => document.activeElement?.getAttribute('data-path'))).resolves.toBe(
      'inn',
    );

    await field(form, 'inn').fill(SOLE_PROPRIETOR.inn);
    await expect(errorUnder(form, 'inn').count()).resolves.toBe(0);
    await form.getByRole('button', { name: 'Зарегистрироваться' }).click();
    const telegramError = errorUnder(form, 'contacts.telegram');
    await telegramError.waitFor();
    await expect(telegramError.textContent()).resolves.toContain('Telegram: имя пользователя');
    await expect(form.locator('.amop-alert--error').getAttribute('data-code')).resolves.toBe(
      'validation_failed',
    );
    await screenshot(e2e.page, 'visitor-register-errors');

    await field(form, 'contacts.telegram').fill(SOLE_PROPRIETOR.contacts.telegram);
    // A referrer's code that names no partner comes back under its field (422 naming referredBy).
    await field(form, 'referredBy').fill('ZZZZ-2222');
    await form.getByRole('button', { name: 'Зарегистрироваться' }).click();
    const referredError = errorUnder(form, 'referredBy');
    await referredError.waitFor();
    await expect(referredError.textContent()).resolves.toContain('нет партнёра с таким промокодом');
    await field(form, 'referredBy').fill('');
    await form.getByRole('button', { name: 'Зарегистрироваться' }).click();
    // The widget asks who we are again and switches to partner mode.
    await root.and(e2e.page.locator('[data-role="partner"]')).waitFor();
    await expect(squash(await root.locator('.amop-head').textContent())).toContain(SOLE_PROPRIETOR.name);
    await expect(root.locator('[data-partner-status]').textContent()).resolves.toBe('Ожидает договора');
    await expect(root.locator('.amop-alert--warn').first().textContent()).resolves.toContain(
      'Договор ещё не подписан',
    );
  });

  test('pinning: a new client is pinned at once; a known one waits for the client with a link; the own account is refused — in plain words', async () => {
    const root = await openWidget(e2e, 'advanced_settings', PARTNER);
    const form = root.locator('form[data-form="pin"]');

    await field(form, 'clientAccountId').fill(String(NEW_CLIENT));
    await field(form, 'clientSubdomain').fill('client-shop.amocrm.ru');
    await field(form, 'comment').fill('Ставим виджет на следующей неделе');
    await form.getByRole('button', { name: 'Закрепить' }).click();
    const pinned = form.locator('[data-pin-outcome="pinned"]');
    await pinned.waitFor();
    expect(squash(await pinned.textContent())).toMatch(
      new RegExp(
        `^Аккаунт ${NEW_CLIENT} закреплён за вами с \\d+ \\S+ \\d{4} г\\. — отдел продаж вендора не будет предлагать`,
      ),
    );
    await screenshot(e2e.page, 'partner-pin');

    await field(form, 'clientAccountId').fill(String(KNOWN_CLIENT));
    await field(form, 'clientSubdomain').fill('');
    await field(form, 'comment').fill('');
    // Enter submits the form: the keyboard is enough.
    await field(form, 'clientAccountId').press('Enter');
    const waiting = form.locator('[data-pin-outcome="pending_client_request"]');
    await waiting.waitFor();
    await expect(waiting.getAttribute('data-reason')).resolves.toBe('existing_customer');
    expect(squash(await waiting.textContent())).toContain(
      'Закрепить его можно только по запросу самого клиента',
    );
    await waiting.getByRole('button', { name: 'Получить ссылку для клиента' }).click();
    const link = waiting.locator('[data-confirmation-code]');
    await link.waitFor();
    await expect(link.locator('input').inputValue()).resolves.toMatch(/\/confirm\/[A-Za-z0-9_-]{20,}$/);

    await field(form, 'clientAccountId').fill(String(PARTNER.account));
    await form.getByRole('button', { name: 'Закрепить' }).click();
    const refused = form.locator('[data-pin-outcome="rejected"]');
    await refused.waitFor();
    await expect(refused.getAttribute('data-reason')).resolves.toBe('own_account');
    expect(squash(await refused.textContent())).toContain('Это ваш собственный аккаунт');

    // The list, newest first: status words, since, and reasons.
    const rows = root.locator('table[data-table="clients"] tbody tr');
    await until(
      () => rows.count(),
      (n) => n === 3,
    );
    const statuses = await rows.locator('[data-pin-status]').allTextContents();
    expect(statuses).toEqual(['Отказано', 'Ждёт запроса клиента', 'Закреплён']);
    await expect(squash(await rows.nth(2).textContent())).toContain('client-shop');
    await screenshot(e2e.page, 'partner-clients');

    // A bad id never leaves the browser.
    await field(form, 'clientAccountId').fill('12ab');
    await form.getByRole('button', { name: 'Закрепить' }).click();
    await expect(errorUnder(form, 'clientAccountId').textContent()).resolves.toBe(
      'Укажите ID аккаунта: только цифры.',
    );
  });

  test('the card panel in the partner account: a compact summary and one-click pinning of the card’s account', async () => {
    const root = await openWidget(e2e, 'lcard', PARTNER, 30555444);
    await until(
      () => root.locator('[data-summary="questions"] dd').textContent(),
      (text) => /^\d+$/.test(text ?? ''),
    );
    await expect(root.locator('[data-path="clientAccountId"]').inputValue()).resolves.toBe('30555444');
    await root.getByRole('button', { name: 'Закрепить' }).click();
    await root.locator('[data-pin-outcome="pinned"]').waitFor();
    await screenshot(e2e.page, 'partner-card', { card: true });
  });
});

/** The computed colours of a verdict's banner, as staff see them. */
function bannerColours(verdict: Locator) {
  return verdict.locator('.amop-banner').evaluate((el) => {
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, text: style.color };
  });
}

describe('staff mode', () => {
  test('on the client’s company card staff see the pin banner and the partner’s contacts, and forward a question', async () => {
    const root = await openWidget(e2e, 'comcard', STAFF, NEW_CLIENT);
    await expect(root.getAttribute('data-role')).resolves.toBe('staff');
    const verdict = root.locator(`.amop-verdict[data-client="${NEW_CLIENT}"]`);
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-sales-may-contact')).resolves.toBe('false');
    expect(squash(await verdict.locator('.amop-banner__text').textContent())).toMatch(
      new RegExp(
        `^Закреплён за партнёром ${SOLE_PROPRIETOR.name} с \\d+ \\S+ \\d{4} г\\. — не предлагать услуги и лицензии$`,
      ),
    );
    // Red like an error, so «do not sell» is seen before it is read (a free client's banner is green, below).
    await expect(bannerColours(verdict)).resolves.toEqual({
      background: 'rgb(255, 244, 244)',
      text: 'rgb(159, 29, 29)',
    });
    await expect(verdict.locator('.amop-support__line').textContent()).resolves.toBe(
      `Вопросы по настройке — к партнёру ${SOLE_PROPRIETOR.name}`,
    );
    await expect(verdict.locator('[data-contact="email"] a').getAttribute('href')).resolves.toBe(
      'mailto:petrov@example.ru',
    );
    await expect(verdict.locator('[data-contact="telegram"] a').getAttribute('href')).resolves.toBe(
      'https://t.me/petrov_integrator',
    );

    await verdict.getByRole('button', { name: 'Передать вопрос партнёру' }).click();
    const question = verdict.getByLabel(`Вопрос клиента для партнёра ${SOLE_PROPRIETOR.name}`);
    await expect(question.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await question.fill('Клиент просит настроить воронку продаж и интеграцию с телефонией.');
    await verdict.getByRole('button', { name: 'Передать', exact: true }).click();
    await verdict.locator('[data-forwarded]').waitFor();
    expect(squash(await verdict.locator('[data-forwarded]').textContent())).toContain(
      `Вопрос передан партнёру ${SOLE_PROPRIETOR.name}.`,
    );
    await screenshot(e2e.page, 'staff-card-pinned', { card: true });

    // The search box checks any id: a free account, then back to the pinned one as the card field changes.
    await root.locator('[data-path="accountId"]').fill('41000001');
    await root.getByRole('button', { name: 'Проверить' }).click();
    const free = root.locator('.amop-verdict[data-client="41000001"]');
    await free.waitFor();
    await expect(free.getAttribute('data-pin-status')).resolves.toBe('none');
    await expect(free.locator('.amop-banner__text').textContent()).resolves.toBe(
      'Свободный клиент — можно предлагать услуги и лицензии.',
    );
    await expect(bannerColours(free)).resolves.toEqual({
      background: 'rgb(242, 251, 244)',
      text: 'rgb(30, 94, 48)',
    });
    await expect(free.locator('[data-support-route="vendor"]').count()).resolves.toBe(1);
    await screenshot(e2e.page, 'staff-card-free', { card: true });
    await e2e.page.fill('#host-client-field', String(KNOWN_CLIENT));
    await root.locator(`.amop-verdict[data-client="${KNOWN_CLIENT}"]`).waitFor();
  });

  test('in English, and a client waiting for its request is not exclusive yet', async () => {
    const root = await openWidget(e2e, 'lcard', { ...STAFF, lang: 'en' }, KNOWN_CLIENT);
    const verdict = root.locator(`.amop-verdict[data-client="${KNOWN_CLIENT}"]`);
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-sales-may-contact')).resolves.toBe('true');
    expect(squash(await verdict.locator('.amop-banner__text').textContent())).toBe(
      `Waiting to be pinned to partner ${SOLE_PROPRIETOR.name} (Awaiting client request) — you may still offer services.`,
    );
  });

  test('the partner sees the routed question and marks it answered', async () => {
    const root = await openWidget(e2e, 'advanced_settings', PARTNER);
    const tab = root.getByRole('tab', { name: /Вопросы клиентов/ });
    await expect(tab.locator('.amop-tab__count').textContent()).resolves.toBe('1');
    await tab.click();
    const item = root.locator('[data-question-id]');
    await item.waitFor();
    expect(squash(await item.textContent())).toContain(`Клиент ${NEW_CLIENT}`);
    expect(squash(await item.textContent())).toContain('Клиент просит настроить воронку продаж');
    await screenshot(e2e.page, 'partner-questions');
    await item.getByRole('button', { name: 'Отметить отвеченным' }).click();
    await root.locator('[data-question-id][data-answered="true"]').waitFor();
    await until(
      () => tab.locator('.amop-tab__count').count(),
      (n) => n === 0,
    );
  });
});

describe('admin mode', () => {
  const RIVAL = 30222333;
  const WAITING_CLIENT = 30888111;

  test('a rival’s pin of a held account is refused; it disputes; an admin decides for it with compensation', async () => {
    const rivalToken = e2e.app.partnerToken(RIVAL);
    const registered = await e2e.app.call('POST', '/api/v1/partner', {
      token: rivalToken,
      body: { kind: 'individual', name: 'Сергей Соперников', contacts: { email: 'rival@example.ru' } },
    });
    expect(registered.status).toBe(201);
    const refused = await e2e.app.call('POST', '/api/v1/pins', {
      token: rivalToken,
      body: { clientAccountId: NEW_CLIENT },
    });
    expect(refused.body).toMatchObject({ status: 'rejected', reason: 'already_pinned' });

    const rival = amoUser(RIVAL, 7301, 'rival', 'Сергей');
    let root = await openWidget(e2e, 'advanced_settings', rival);
    const row = root.locator(`tr[data-pin-id="${refused.body.id}"]`);
    expect(squash(await row.textContent())).toContain('Аккаунт уже закреплён за другим партнёром');
    await row.getByRole('button', { name: 'Оспорить' }).click();
    const form = root.locator('form[data-form="dispute"]');
    await expect(form.locator('select[data-path="pinId"]').inputValue()).resolves.toBe(refused.body.id);
    await form.getByLabel('Описание').fill('Клиент работает с нами с весны, есть переписка и договор.');
    await form.getByRole('button', { name: 'Открыть спор' }).click();
    await root.locator('[data-dispute-status="open"]').waitFor();

    const admin = await openWidget(e2e, 'advanced_settings', { identity: 'admin' });
    await admin.getByRole('tab', { name: 'Споры' }).click();
    const dispute = admin.locator('[data-dispute-status="open"]');
    expect(squash(await dispute.textContent())).toContain('Сергей Соперников');
    await dispute.getByLabel('Обоснование').fill('Переписка подтверждает работу партнёра с клиентом.');
    await dispute.getByLabel('Компенсация, ₽ (необязательно)').fill('1 500');
    await screenshot(e2e.page, 'admin-disputes');
    await dispute.getByRole('button', { name: 'Принять решение' }).click();
    await until(
      () => admin.locator('[data-dispute-status="open"]').count(),
      (n) => n === 0,
    );

    root = await openWidget(e2e, 'advanced_settings', rival);
    await root.getByRole('tab', { name: 'Споры' }).click();
    const decided = root.locator('[data-dispute-status="decided_for_partner"]');
    expect(squash(await decided.textContent())).toContain('Решён в пользу партнёра');
    expect(squash(await decided.locator('[data-decision]').textContent())).toContain(
      'Компенсация: 1 500,00 ₽',
    );
    await screenshot(e2e.page, 'partner-disputes');
  });

  test('an admin records the client’s own request: the waiting pin becomes exclusive', async () => {
    await e2e.app.call('POST', '/api/v1/known-accounts', {
      billing: true,
      body: { accountIds: [WAITING_CLIENT] },
    });
    const waiting = await e2e.app.call('POST', '/api/v1/pins', {
      token: e2e.app.partnerToken(PARTNER.account),
      body: { clientAccountId: WAITING_CLIENT },
    });
    expect(waiting.body.status).toBe('pending_client_request');

    const admin = await openWidget(e2e, 'advanced_settings', { identity: 'admin' });
    await admin.getByRole('tab', { name: 'Запросы клиентов' }).click();
    const row = admin.locator(`tr[data-pin-id="${waiting.body.id}"]`);
    expect(squash(await row.textContent())).toContain(SOLE_PROPRIETOR.name);
    await row.getByLabel('Как получен запрос').fill('Письмо клиента от 20.11');
    await screenshot(e2e.page, 'admin-requests');
    await row.getByRole('button', { name: 'Запрос клиента получен' }).click();
    await until(
      () => row.count(),
      (n) => n === 0,
    );

    await admin.getByRole('tab', { name: 'Проверка клиента' }).click();
    // In full-suite runs the typed id was sometimes gone before Enter (the admin page re-rendered the check
    // after the request list refreshed; under investigation, see the issue note), so type again, as a person
    // would, up to three times. Each try still needs the real answer of the staff check.
    const verdict = admin.locator(`.amop-verdict[data-client="${WAITING_CLIENT}"]`);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await admin.getByLabel('ID аккаунта клиента').fill(String(WAITING_CLIENT));
      await admin.getByLabel('ID аккаунта клиента').press('Enter');
      const shown = await verdict
        .waitFor({ timeout: 5_000 })
        .then(() => true)
        .catch(() => false);
      if (shown || attempt === 3) break;
    }
    await expect(verdict.getAttribute('data-pin-status')).resolves.toBe('pinned');
  });

  test('the staff widget page: a search box checks any account', async () => {
    const root = await openWidget(e2e, 'advanced_settings', STAFF);
    await expect(root.locator('[role="tablist"]').count()).resolves.toBe(0); // staff get no admin tabs
    await root.getByLabel('ID аккаунта клиента').fill(String(NEW_CLIENT));
    await root.getByRole('button', { name: 'Проверить' }).click();
    await root.locator(`.amop-verdict[data-client="${NEW_CLIENT}"]`).waitFor();
    await screenshot(e2e.page, 'staff-page');
  });
});

describe('the client confirms a partner’s request', () => {
  test('from its own account, with the code from the partner’s link; staff then see the pin', async () => {
    // The partner's link, made through the API as the widget does.
    const pins = await e2e.app.call('GET', '/api/v1/pins?status=pending_client_request', {
      token: e2e.app.partnerToken(PARTNER.account),
    });
    const link = await e2e.app.call('POST', `/api/v1/pins/${pins.body.items[0].id}/confirmation-link`, {
      token: e2e.app.partnerToken(PARTNER.account),
    });
    expect(link.status).toBe(201);

    const client = amoUser(KNOWN_CLIENT, 9101, 'known-client', 'Игорь Клиентов');
    const root = await openWidget(e2e, 'advanced_settings', client);
    await root.getByRole('tab', { name: 'Подтвердить запрос партнёра' }).click();
    const confirm = root.locator('.amop-confirm');
    await confirm.getByLabel('Код или ссылка подтверждения').fill('not-a-code');
    await confirm.getByRole('button', { name: 'Проверить' }).click();
    await expect(errorUnder(confirm, 'code').textContent()).resolves.toContain('не похоже на код');

    await confirm.getByLabel('Код или ссылка подтверждения').fill(link.body.url);
    await confirm.getByRole('button', { name: 'Проверить' }).click();
    await confirm.and(e2e.page.locator('[data-step="review"]')).waitFor();
    expect(squash(await confirm.locator('.amop-card-box').textContent())).toContain(
      `Партнёр «${SOLE_PROPRIETOR.name}» просит закрепить за собой аккаунт amoCRM № ${KNOWN_CLIENT}.`,
    );
    await screenshot(e2e.page, 'client-confirm');
    await confirm.getByRole('button', { name: /^Подтвердить работу с/ }).click();
    await confirm.locator('[data-confirmed="pinned"]').waitFor();

    // Used once: a second confirmation is refused with its reason.
    await confirm.getByRole('button', { name: 'Проверить' }).click();
    await expect(confirm.locator('.amop-alert--error').getAttribute('data-code')).resolves.toBe('link_used');

    const staff = await openWidget(e2e, 'comcard', STAFF, KNOWN_CLIENT);
    await expect(
      staff.locator(`.amop-verdict[data-client="${KNOWN_CLIENT}"]`).getAttribute('data-pin-status'),
    ).resolves.toBe('pinned');
  });
});

describe('error states', () => {
  test('an expired token, a server that does not answer, a 403 and a missing backend read as plain words', async () => {
    let root = await openWidget(e2e, 'advanced_settings', { ...PARTNER, token: 'expired' });
    let alert = root.locator('.amop-alert--error');
    await expect(alert.getAttribute('data-code')).resolves.toBe('token_expired');
    await expect(alert.getAttribute('data-http-status')).resolves.toBe('401');
    await expect(alert.locator('.amop-alert__text').textContent()).resolves.toBe(
      'Сессия amoCRM истекла. Обновите страницу браузера и повторите.',
    );
    await expect(alert.getByRole('button', { name: 'Повторить' }).count()).resolves.toBe(1);
    await screenshot(e2e.page, 'error-token-expired');

    root = await openWidget(e2e, 'lcard', { ...PARTNER, backend: 'http://127.0.0.1:9' });
    alert = root.locator('.amop-alert--error');
    await expect(alert.getAttribute('data-code')).resolves.toBe('network_error');
    await expect(alert.locator('.amop-alert__text').textContent()).resolves.toContain(
      'Сервер партнёрской программы недоступен',
    );

    root = await openWidget(e2e, 'lcard', { ...PARTNER, backend: '' });
    await expect(root.locator('.amop-alert--error').getAttribute('data-code')).resolves.toBe(
      'not_configured',
    );

    // A blocked partner may not pin: 403 with its reason.
    const partner = await e2e.app.call('GET', '/api/v1/partner', {
      token: e2e.app.partnerToken(PARTNER.account),
    });
    const block = (status: 'blocked' | 'active') =>
      e2e.app.call('POST', `/api/v1/admin/partners/${partner.body.id}/status`, {
        token: e2e.app.adminToken(),
        body: { status, reason: 'проверка ошибки 403 в виджете' },
      });
    expect((await block('blocked')).status).toBe(200);
    try {
      root = await openWidget(e2e, 'advanced_settings', PARTNER);
      await expect(root.locator('.amop-alert--error').first().textContent()).resolves.toContain(
        'заблокирован',
      );
      const form = root.locator('form[data-form="pin"]');
      await field(form, 'clientAccountId').fill('30123123');
      await form.getByRole('button', { name: 'Закрепить' }).click();
      alert = form.locator('.amop-alert--error');
      await alert.waitFor();
      await expect(alert.getAttribute('data-http-status')).resolves.toBe('403');
      await expect(alert.getAttribute('data-code')).resolves.toBe('partner_blocked');
      await expect(alert.textContent()).resolves.toBe('Партнёр заблокирован. Свяжитесь с вендором.');
    } finally {
      expect((await block('active')).status).toBe(200);
    }
  });

  test('tabs work from the keyboard: arrows move between them', async () => {
    const root = await openWidget(e2e, 'advanced_settings', PARTNER);
    await root.getByRole('tab', { name: 'Клиенты' }).focus();
    await e2e.page.keyboard.press('ArrowRight');
    await expect(root.locator('[role="tab"][aria-selected="true"]').textContent()).resolves.toBe(
      'Вознаграждения',
    );
    await expect(e2e.page.evaluate(() => document.activeElement?.getAttribute('data-tab'))).resolves.toBe(
      'earnings',
    );
    await e2e.page.keyboard.press('End');
    await expect(root.locator('[role="tab"][aria-selected="true"]').textContent()).resolves.toBe('Реквизиты');
    await expect(squash(await root.locator('[data-section="profile"]').textContent())).toContain(
      'ПАО Сбербанк',
    );
  });
});
