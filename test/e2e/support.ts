/**
 * End-to-end harness: the real API (test/support/app.ts) on a fresh database, with the widget dev host
 * page mounted on the same origin, and Chromium (test/support/browser.ts) driven by playwright-core. The built widget.zip
 * content (dist/widget) is loaded by the host page exactly as amoCRM loads it, and every widget call goes
 * through the host's `$authorizedAjax`, which signs tokens with this app's integration secret.
 *
 * Billing and setup calls go straight to the API (`app.call(..., { billing: true })`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { soleProprietor } from '../support/fixtures';
import { DIST_WIDGET_DIR, HOST_DIR, ROOT, ensureWidgetBuilt } from '../widget/build-widget';

export const WIDGET_CODE = 'partners_widget_dev';
/** The widget's root in the card's right-hand panel, and on the widget's own page. */
export const CARD = `.card-widgets__widget[data-code="${WIDGET_CODE}"] .card-widgets__widget__body .amop-app`;
export const PAGE = `#work-area-${WIDGET_CODE} .amop-app`;
/**
 * Screenshots of the main screens. `UPDATE_SCREENSHOTS=1 npm test` refreshes the ones in docs/screenshots
 * (referenced from the README); an ordinary run writes them to the temp folder and leaves the tree clean.
 */
export const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS
  ? path.join(ROOT, 'docs/screenshots')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'amop-screens-'));

export interface E2E {
  app: TestApp;
  browser: Browser;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  ensureWidgetBuilt();
  const app = await startTestApp({}, { devHost: { widgetDir: DIST_WIDGET_DIR, hostDir: HOST_DIR } });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    // The caller's afterAll never sees an E2E it did not get: stop the app here or Jest cannot exit.
    await app.close();
    throw e;
  }
  return {
    app,
    browser,
    async close() {
      try {
        await browser.close();
      } finally {
        await app.close();
      }
    },
  };
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page: must stay empty. */
  pageErrors: string[];
}

export async function newSession(e2e: E2E): Promise<Session> {
  const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU' });
  // Fail fast: every wait is for something the widget shows within a second or two.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, pageErrors };
}

/**
 * The harness of one browser test file (call at the top level): the app and Chromium start once before the
 * file's tests, then `setup` seeds the data they share; each test gets a fresh session whose page errors
 * must stay empty and whose context is closed after it. The getters read the running test's values.
 */
export interface E2EFile {
  readonly app: TestApp;
  readonly session: Session;
  readonly page: Page;
}

export function e2eFile(setup: (app: TestApp) => Promise<void> = async () => {}): E2EFile {
  // A test drives a real browser through several screens and server round trips: far past Jest's 5 s.
  jest.setTimeout(60_000);
  let e2e: E2E | undefined;
  let session: Session | undefined;
  beforeAll(async () => {
    e2e = await startE2E();
    await setup(e2e.app);
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });
  beforeEach(async () => {
    session = await newSession(e2e!);
  });
  afterEach(async () => {
    expect(session?.pageErrors).toEqual([]);
    await session?.context.close();
  });
  return {
    get app() {
      return e2e!.app;
    },
    get session() {
      return session!;
    },
    get page() {
      return session!.page;
    },
  };
}

export interface Identity {
  identity?: 'partner' | 'client' | 'staff' | 'admin' | 'custom';
  account?: number;
  user?: number;
  subdomain?: string;
  name?: string;
  lang?: 'ru' | 'en';
  token?: 'valid' | 'expired' | 'bad_signature' | 'wrong_audience' | 'none';
  backend?: string;
}

/**
 * A user of the host page's `custom` identity: the amoCRM account it signs in from, its user id, subdomain
 * and name — a partner or a client of its own, as each test file needs.
 */
export const amoUser = (account: number, user: number, subdomain: string, name: string) =>
  ({ identity: 'custom', account, user, subdomain, name }) as const;

/** The vendor's admin, as the admin tests sign in. */
export const ADMIN = { identity: 'admin', name: 'Ольга Админова' } as const;

/**
 * Opens the running test's page as `who` in `area` (a new amoCRM session), waits for the widget to be
 * loaded and for its first answer from the server (ok or error), and returns the widget's root.
 */
export async function openWidget(
  e2e: E2EFile,
  area: 'lcard' | 'ccard' | 'comcard' | 'settings' | 'advanced_settings',
  who: Identity,
  client?: number | string,
): Promise<Locator> {
  const query = new URLSearchParams({ area });
  for (const [k, v] of Object.entries(who)) if (v !== undefined) query.set(k, String(v));
  if (client !== undefined) query.set('client', String(client));
  const { page } = e2e;
  await page.goto(`${e2e.app.url}/dev/host/?${query}`);
  await page.evaluate(() => (window as any).__amopHost.ready);
  const root = page.locator(area === 'advanced_settings' ? PAGE : CARD);
  await root.and(page.locator('[data-status="ok"], [data-status="error"]')).waitFor();
  return root;
}

/**
 * A screenshot for the README: the widget's page (the host's workspace, without the dev toolbar), or —
 * `card: true` — the card with the widget's side panel, cropped to the panel's height.
 */
export async function screenshot(page: Page, name: string, options: { card?: boolean } = {}): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // No caret, hover state or dev chrome in the docs.
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const style = await page.addStyleTag({
    content: '.host-toolbar, .host-log, .host-nav { display: none !important; } .host-app { min-height: 0 }',
  });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  try {
    if (options.card) {
      const viewport = page.viewportSize();
      await page.setViewportSize({ width: 900, height: viewport?.height ?? 900 });
      const panel = await page.locator('.card-widgets__widget').boundingBox();
      const card = await page.locator('.host-card').boundingBox();
      if (!panel || !card) throw new Error('no card panel to capture');
      await page.screenshot({
        path: file,
        animations: 'disabled',
        clip: { x: card.x, y: card.y, width: card.width, height: panel.y + panel.height + 12 - card.y },
      });
      if (viewport) await page.setViewportSize(viewport);
    } else {
      await page.locator('#host-workspace').screenshot({ path: file, animations: 'disabled' });
    }
  } finally {
    await style.evaluate((el) => (el as Element).remove());
  }
}

/** Text as Intl formats ru-RU amounts and percents, which the widget shows: every space a no-break one. */
export const nbsp = (s: string) => s.replace(/ /g, '\u00a0');

/** Text with all whitespace (incl. the no-break spaces Intl puts in amounts) collapsed to one space. */
export function squash(text: string | null): string {
  return (text ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

/** The partner of the screenshots: the API tests' sole proprietor, with every contact the cards show. */
export const SOLE_PROPRIETOR = {
  ...soleProprietor('ИП Петров Пётр Петрович', 'petrov@example.ru'),
  contacts: { email: 'petrov@example.ru', phone: '+7 495 000-00-00', telegram: '@petrov_integrator' },
};

/** Polls `read` until `accept` holds (Jest has no expect.poll); fails with the last value after `ms`. */
export async function until<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`until: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
