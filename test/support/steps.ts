// Setup steps the API and browser tests share, made as their callers make them: real requests to the app.
import { sql } from 'kysely';
import type { TestApp } from './app';
import { soleProprietor } from './fixtures';

/** Registers the partner of `accountId` (by default a sole proprietor with valid requisites); returns its id. */
export async function registerPartner(
  app: TestApp,
  accountId: number,
  body: object = soleProprietor(`ИП Партнёр ${accountId}`, `${accountId}@partner.ru`),
): Promise<string> {
  const res = await app.call('POST', '/api/v1/partner', { token: app.partnerToken(accountId), body });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** The admin records the partner's signed contract (dated before any test's payments): payouts are allowed. */
export async function signContract(app: TestApp, partnerId: string, contractNumber: string): Promise<void> {
  const res = await app.call('POST', `/api/v1/admin/partners/${partnerId}/contract`, {
    token: app.adminToken(),
    body: { contractNumber, signedAt: '2026-01-01T00:00:00+03:00' },
  });
  expect(res.status).toBe(200);
}

/** The partner pins a client nobody serves yet; returns the pin. */
export async function pinClient(app: TestApp, partnerAccountId: number, clientAccountId: number) {
  const res = await app.call('POST', '/api/v1/pins', {
    token: app.partnerToken(partnerAccountId),
    body: { clientAccountId },
  });
  expect(res.body.status).toBe('pinned');
  return res.body;
}

/**
 * Pins earn from the moment they are made; this one is dated 90 days back so that payments "made weeks
 * ago" (to get past the hold period) fall inside its earning period.
 */
export async function backdatePin(app: TestApp, pinId: string): Promise<void> {
  await sql`UPDATE pins SET valid_from = now() - interval '90 days' WHERE id = ${pinId}`.execute(app.db.db);
}
