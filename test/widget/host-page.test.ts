/**
 * The built widget in a real browser, on the dev host page that emulates amoCRM's widget runtime:
 * AMD loading, the callback order, the card panel / settings modal / widget page, unmounting on
 * destroy, and `$authorizedAjax` tokens that a server verifies the way API.md says.
 *
 * playwright-core drives Chromium from test/support/browser.ts (Debian's when installed, else the packaged one).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { devHostRouter } from '../../server/src/devhost/devhost.routes';
import { launchChromium } from '../support/browser';
import { DIST_WIDGET_DIR, HOST_DIR, buildWidgetFor, ensureWidgetBuilt } from './build-widget';

const CLIENT_ID = '6f1c2a9e-3d4b-4c8a-9e1f-2b7d5a0c4e11';
const CLIENT_SECRET = 'test-secret-for-the-dev-host-page-0123456789';
const AUDIENCE = 'https://partners.example.test';
const VENDOR_ACCOUNT_ID = 1000001;
const ADMIN_USER_IDS = [7, 8];
const WIDGET_CODE = 'partners_widget_dev';
/** The field id the host page names its card input after (`CFV[900001]`, widget/host/host.js). */
const HOST_CARD_FIELD = '900001';
const CARD_PANEL = `.card-widgets__widget[data-code="${WIDGET_CODE}"] .card-widgets__widget__body .amop-root`;

interface Verified {
  header: jwt.JwtHeader;
  claims: Record<string, unknown>;
}

let server: http.Server;
let baseUrl: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];
const verified: Verified[] = [];

function problem(res: express.Response, status: number, code: string, detail: string): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: code, status, code, detail }));
}

/** A stand-in for the real API's widget authentication, written from API.md ("Authentication"). */
function whoami(req: express.Request, res: express.Response): void {
  const token = req.get('X-Auth-Token');
  if (!token) return problem(res, 401, 'token_missing', 'X-Auth-Token is required');
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, CLIENT_SECRET, {
      algorithms: ['HS256'],
      audience: AUDIENCE,
      clockTolerance: 30,
      complete: true,
    });
  } catch (e) {
    return problem(
      res,
      401,
      e instanceof jwt.TokenExpiredError ? 'token_expired' : 'invalid_token',
      (e as Error).message,
    );
  }
  const claims = decoded.payload as Record<string, unknown>;
  const iss = /^https:\/\/([a-z0-9-]+)\.(amocrm\.ru|kommo\.com)$/.exec(String(claims.iss));
  if (claims.client_uuid !== CLIENT_ID || !iss || iss[1] !== claims.subdomain) {
    return problem(res, 401, 'invalid_token', 'client_uuid or iss does not match');
  }
  verified.push({ header: decoded.header, claims });
  const accountId = Number(claims.account_id);
  const userId = Number(claims.user_id);
  // Any other account is a visitor here (this stand-in knows no registered partners).
  const role =
    accountId !== VENDOR_ACCOUNT_ID ? 'visitor' : ADMIN_USER_IDS.includes(userId) ? 'admin' : 'staff';
  // As the real API: staff learn the vendor's client-account field (here the host page's card field).
  const clientAccountFieldId = role === 'visitor' ? null : Number(HOST_CARD_FIELD);
  res.json({ accountId, userId, subdomain: claims.subdomain, role, clientAccountFieldId, claims });
}

/** The dev host page with this file's integration settings, serving the widget built into `widgetDir`. */
function hostRouter(widgetDir: string): express.Router {
  return devHostRouter({
    amoClientId: CLIENT_ID,
    amoClientSecret: CLIENT_SECRET,
    tokenAudience: AUDIENCE,
    vendorAccountId: VENDOR_ACCOUNT_ID,
    adminUserIds: ADMIN_USER_IDS,
    widgetDir,
    hostDir: HOST_DIR,
  });
}

beforeAll(async () => {
  ensureWidgetBuilt();
  const app = express();
  app.get('/api/v1/whoami', whoami);
  // Staff's client check, as API.md shapes it: every account is free in this stand-in.
  app.get('/api/v1/staff/clients/:accountId', (req, res) => {
    if (!req.get('X-Auth-Token')) return problem(res, 401, 'token_missing', 'X-Auth-Token is required');
    res.json({
      clientAccountId: Number(req.params.accountId),
      pin: null,
      salesMayContact: true,
      supportRouteTo: null,
    });
  });
  app.use(hostRouter(DIST_WIDGET_DIR));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(async () => {
  verified.length = 0;
  pageErrors = [];
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterEach(async () => {
  await context?.close();
});

async function open(queryString: string): Promise<void> {
  await page.goto(`${baseUrl}/dev/host/?${queryString}`);
  await page.evaluate(() => (window as any).__amopHost.ready);
}

function hostState<T>(pick: (host: any) => T): Promise<T> {
  return page.evaluate(`(${pick.toString()})(window.__amopHost)`) as Promise<T>;
}

/** The widget in the card's panel, once it has shown the server's answer (`ok` or `error`). */
async function cardWidget(status: 'ok' | 'error'): Promise<Locator> {
  const widget = page.locator(`${CARD_PANEL} .amop-app[data-status="${status}"]`);
  await widget.waitFor();
  return widget;
}

const hostErrors = () => hostState((h) => h.errors.map((e: { message: string }) => e.message));

describe('dev host page', () => {
  test('an account in a lead card: the widget asks the server who it is, and the server verifies the widget token', async () => {
    await open('identity=partner&area=lcard&client=30999888');

    const panel = await cardWidget('ok');
    await expect(panel.getAttribute('data-account-id')).resolves.toBe('30111222');
    // Not registered as a partner (in this stand-in): the panel invites to the widget's page, in Russian.
    await expect(panel.getAttribute('data-role')).resolves.toBe('visitor');
    await expect(panel.locator('.amop-visitor-card').textContent()).resolves.toContain(
      'Этот аккаунт ещё не зарегистрирован в партнёрской программе.',
    );

    // The token was minted with the integration secret and carries exactly the documented claims.
    expect(verified).toHaveLength(1);
    const { header, claims } = verified[0]!;
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(Object.keys(claims).sort()).toEqual(
      ['account_id', 'aud', 'client_uuid', 'exp', 'iat', 'iss', 'jti', 'nbf', 'subdomain', 'user_id'].sort(),
    );
    expect(claims).toMatchObject({
      iss: 'https://partner-agency.amocrm.ru',
      aud: AUDIENCE,
      account_id: 30111222,
      user_id: 5101,
      subdomain: 'partner-agency',
      client_uuid: CLIENT_ID,
    });
    expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(30 * 60);
    expect(claims.nbf).toBe(claims.iat);

    // amoCRM's order, each returning true (the host logs an error otherwise).
    await expect(hostState((h) => h.calls)).resolves.toEqual(['render', 'init', 'bind_actions']);
    await expect(hostErrors()).resolves.toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('switching to the widget page calls destroy (the card tree is unmounted), then advancedSettings mounts the page', async () => {
    await open('identity=staff&area=comcard');
    await cardWidget('ok');
    await expect(page.locator(`${CARD_PANEL} .amop-app`).getAttribute('data-role')).resolves.toBe('staff');
    // The panel follows the card's client account field as the user types.
    await page.fill('#host-client-field', '41000777');
    await page.locator(`${CARD_PANEL} .amop-verdict[data-client="41000777"]`).waitFor();

    await page.click('#host-areas button[data-area="advanced_settings"]');

    const pageRoot = page.locator(`#work-area-${WIDGET_CODE} .amop-root .amop-app`);
    await pageRoot.and(page.locator('[data-status="ok"]')).waitFor();
    await expect(pageRoot.getAttribute('data-surface')).resolves.toBe('advanced');
    // The host checked the card panel right after destroy, before removing the card: nothing left.
    await expect(hostState((h) => h.destroys)).resolves.toEqual([{ area: 'comcard', leftovers: 0 }]);
    await expect(hostState((h) => h.calls)).resolves.toEqual([
      'render',
      'init',
      'bind_actions',
      'destroy',
      'render',
      'init', // init_once is false: amoCRM initialises again in every area
      'bind_actions',
      'advancedSettings',
    ]);
    await expect(page.locator('.card-widgets__widget').count()).resolves.toBe(0);

    await page.screenshot({ path: '/tmp/host.png', fullPage: true });

    // And away from the page again: destroy removes the page's tree too.
    await page.click('#host-areas button[data-area="lcard"]');
    await page.locator(`${CARD_PANEL} .amop-app`).waitFor();
    await expect(hostState((h) => h.destroys)).resolves.toEqual([
      { area: 'comcard', leftovers: 0 },
      { area: 'advanced_settings', leftovers: 0 },
    ]);
    await expect(hostErrors()).resolves.toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('the settings modal shows the manifest fields in English, the widget block, and Save calls onSave', async () => {
    await open('identity=admin&area=settings&lang=en');

    const modal = page.locator('#host-settings-modal');
    await expect(modal.locator('label[for="host-setting-backend_url"]').textContent()).resolves.toBe(
      // Optional (no "*"): the address is built into the widget; the setting only overrides it.
      'Partner program server address — only to override the built-in one (https://…)',
    );
    const whoami = modal.locator('.widget-settings__desc-space .amop-root .amop-app[data-status="ok"]');
    await whoami.waitFor();
    await expect(whoami.locator('[data-connected]').textContent()).resolves.toBe(
      `Connected: the server recognised you — vendor admin, account ${VENDOR_ACCOUNT_ID}.`,
    );
    await expect(whoami.getAttribute('data-role')).resolves.toBe('admin');
    await expect(whoami.getAttribute('data-account-id')).resolves.toBe(String(VENDOR_ACCOUNT_ID));
    expect(verified[0]!.claims).toMatchObject({
      account_id: VENDOR_ACCOUNT_ID,
      user_id: ADMIN_USER_IDS[0],
      subdomain: 'vendor',
    });

    await modal.locator('#host-setting-account_id_field').fill('123456');
    await modal.locator('.js-widget-save').click();
    await expect(
      hostState((h) => [h.calls.at(-1), h.instance.get_settings().account_id_field]),
    ).resolves.toEqual(['onSave', '123456']);

    // The card now reads the field the settings name.
    await page.click('#host-areas button[data-area="lcard"]');
    await expect(page.locator('#host-client-field').getAttribute('name')).resolves.toBe('CFV[123456]');
    await expect(hostState((h) => h.destroys)).resolves.toEqual([{ area: 'settings', leftovers: 0 }]);
    await expect(hostErrors()).resolves.toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('the toolbar reloads the page as another user: a vendor admin on kommo.com', async () => {
    await open('identity=partner&area=ccard');
    await cardWidget('ok');
    await page.selectOption('select[name="identity"]', 'admin');
    await page.selectOption('select[name="brand"]', 'kommo');
    await page.selectOption('select[name="lang"]', 'en');
    await Promise.all([page.waitForURL(/identity=admin/), page.click('button[type="submit"]')]);
    await page.evaluate(() => (window as any).__amopHost.ready);

    const whoami = await cardWidget('ok');
    await expect(whoami.getAttribute('data-role')).resolves.toBe('admin');
    // In English now: the staff client check's search box.
    await expect(whoami.locator('.amop-field__label').textContent()).resolves.toBe('Client account id');
    await expect(hostState((h) => h.area)).resolves.toBe('ccard');
    expect(verified.at(-1)!.claims).toMatchObject({
      iss: 'https://vendor.kommo.com',
      account_id: VENDOR_ACCOUNT_ID,
      user_id: ADMIN_USER_IDS[0],
      subdomain: 'vendor',
    });
    expect(pageErrors).toEqual([]);
  });

  test('a token the server rejects reaches the widget as a typed problem+json error', async () => {
    await open('identity=partner&area=lcard&token=expired');
    const expired = await cardWidget('error');
    await expect(expired.getAttribute('data-code')).resolves.toBe('token_expired');
    await expect(expired.getAttribute('data-http-status')).resolves.toBe('401');
    await expect(expired.textContent()).resolves.toContain('Сессия amoCRM истекла');

    await open('identity=partner&area=lcard&token=bad_signature');
    const forged = await cardWidget('error');
    await expect(forged.getAttribute('data-code')).resolves.toBe('invalid_token');
    await expect(forged.textContent()).resolves.toContain('amoCRM не подтвердил ваш вход');
    expect(verified).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('without a backend address in the settings the widget asks for one instead of calling', async () => {
    await open('identity=partner&area=lcard&backend=');
    const status = await cardWidget('error');
    await expect(status.getAttribute('data-code')).resolves.toBe('not_configured');
    expect(verified).toEqual([]);
  });

  test('the dev routes: /dev/host redirects to its slash form, only the two folders are served, never in production', async () => {
    const redirect = await fetch(`${baseUrl}/dev/host?area=lcard`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/dev/host/?area=lcard']);
    const config = await fetch(`${baseUrl}/dev/host/config.json`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    await expect(config.json()).resolves.toEqual({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenAudience: AUDIENCE,
      vendorAccountId: VENDOR_ACCOUNT_ID,
      adminUserIds: ADMIN_USER_IDS,
      widgetBase: '/dev/widget',
    });
    expect((await fetch(`${baseUrl}/dev/widget/manifest.json`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/dev/widget/%2e%2e/widget.zip`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/dev/host/%2e%2e/%2e%2e/package.json`)).status).toBe(404);

    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => hostRouter(DIST_WIDGET_DIR)).toThrow(/production/);
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });

  test('built with PUBLIC_URL, the widget needs no setting: it calls that server, and staff read the field whoami names', async () => {
    // A second server plays the vendor's deployment: its address is baked into its own build of the widget.
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amop-widget-public-url-'));
    const staffChecks: string[] = [];
    const deployed = express();
    const listening = deployed.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      buildWidgetFor(origin, outDir);
      deployed.get('/api/v1/whoami', whoami);
      deployed.get('/api/v1/staff/clients/:accountId', (req, res) => {
        staffChecks.push(req.params.accountId);
        res.json({
          clientAccountId: Number(req.params.accountId),
          pin: null,
          salesMayContact: true,
          supportRouteTo: null,
        });
      });
      deployed.use(hostRouter(outDir));
      // Both settings empty, as right after installing from the archive.
      await page.goto(`${origin}/dev/host/?identity=staff&area=comcard&backend=&field=&client=41000555`);
      await page.evaluate(() => (window as any).__amopHost.ready);
      await page.locator(`${CARD_PANEL} .amop-app[data-status="ok"][data-role="staff"]`).waitFor();
      await page.locator(`${CARD_PANEL} .amop-verdict[data-client="41000555"]`).waitFor();
      expect(staffChecks).toEqual(['41000555']);
      // The default build (no PUBLIC_URL) has no address in it: that is the "asks for one" test above.
      expect(fs.readFileSync(path.join(outDir, 'script.js'), 'utf8')).toContain(origin);
      expect(fs.readFileSync(path.join(DIST_WIDGET_DIR, 'script.js'), 'utf8')).not.toContain(origin);
      expect(pageErrors).toEqual([]);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
      fs.rmSync(outDir, { recursive: true, force: true });
      fs.rmSync(`${outDir}-build.json`, { force: true });
    }
  }, 120_000);
});
