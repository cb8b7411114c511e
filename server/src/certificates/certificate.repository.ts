import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../db/pool';
import type { Database } from '../db/schema';

export type CertificateRow = Selectable<Database['certificates']>;

/**
 * The partner's one certificate, created on first request; the code is random (72 bits), not guessable.
 * Concurrent first requests converge on the same row through the unique partner_id.
 */
export async function ensureCertificate(db: Db, partnerId: string): Promise<CertificateRow> {
  await db
    .insertInto('certificates')
    .values({ code: randomBytes(9).toString('base64url'), partner_id: partnerId })
    .onConflict((oc) => oc.column('partner_id').doNothing())
    .execute();
  return db
    .selectFrom('certificates')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .executeTakeFirstOrThrow();
}

export async function findCertificateByCode(db: Db, code: string): Promise<CertificateRow | undefined> {
  return db.selectFrom('certificates').selectAll().where('code', '=', code).executeTakeFirst();
}
