import type { Selectable, UpdateObject } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { BankRequisites, Database, PartnerContacts, PartnersTable } from '../db/schema';
import type { PartnerKind, PartnerStatus } from './partner';

export type PartnerRow = Selectable<PartnersTable>;

export async function findPartnerByAccountId(db: Db, accountId: number): Promise<PartnerRow | undefined> {
  return db.selectFrom('partners').selectAll().where('account_id', '=', BigInt(accountId)).executeTakeFirst();
}

export async function findPartnerById(db: Db, id: string): Promise<PartnerRow | undefined> {
  return db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockPartner(trx: Tx, id: string): Promise<PartnerRow | undefined> {
  return trx.selectFrom('partners').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** A change of one partner, stamped in `updated_at` and returning the row; callers add their guards. */
function updatePartner(db: Db, id: string, values: UpdateObject<Database, 'partners'>) {
  return db
    .updateTable('partners')
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll();
}

/** Inserts unless the account is already registered; returns undefined on that conflict. */
export async function insertPartner(
  db: Db,
  row: {
    id: string;
    accountId: number;
    kind: PartnerKind;
    status: PartnerStatus;
    name: string;
    inn: string | null;
    kpp: string | null;
    ogrn: string | null;
    passportEnc: string | null;
    passportMasked: string | null;
    /** A person partner's sealed ИНН and its masked copy (then `inn` is null). */
    innEnc?: string | null;
    innMasked?: string | null;
    bank: BankRequisites | null;
    contacts: PartnerContacts;
    /** The referrer, resolved from the code the new partner typed. */
    referredBy?: string | null;
  },
): Promise<PartnerRow | undefined> {
  return db
    .insertInto('partners')
    .values({
      id: row.id,
      account_id: BigInt(row.accountId),
      kind: row.kind,
      status: row.status,
      name: row.name,
      inn: row.inn,
      kpp: row.kpp,
      ogrn: row.ogrn,
      passport_enc: row.passportEnc,
      passport_masked: row.passportMasked,
      inn_enc: row.innEnc ?? null,
      inn_masked: row.innMasked ?? null,
      bank: JSON.stringify(row.bank),
      contacts: JSON.stringify(row.contacts),
      referred_by: row.referredBy ?? null,
      updated_at: new Date(),
    })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Records the signed contract; guarded so only a not-blocked, contract-capable partner changes. */
export async function markContractSigned(
  db: Db,
  id: string,
  contract: { number: string; signedAt: Date },
): Promise<PartnerRow | undefined> {
  return updatePartner(db, id, {
    contract_number: contract.number,
    contract_signed_at: contract.signedAt,
    status: 'active',
  })
    .where('kind', '!=', 'individual')
    .where('status', 'in', ['pending_contract', 'active'])
    .executeTakeFirst();
}

export async function setPartnerStatus(
  db: Db,
  id: string,
  status: PartnerStatus,
): Promise<PartnerRow | undefined> {
  return updatePartner(db, id, { status }).executeTakeFirst();
}

export async function listPartners(
  db: Db,
  options: { limit: number; afterId?: string },
): Promise<PartnerRow[]> {
  let query = db.selectFrom('partners').selectAll().orderBy('id').limit(options.limit);
  if (options.afterId) query = query.where('id', '>', options.afterId);
  return query.execute();
}

/** Breaks the partner's link to its referrer; guarded on the referrer read under the lock. */
export async function clearReferrer(
  trx: Tx,
  id: string,
  formerReferrerId: string,
): Promise<PartnerRow | undefined> {
  return updatePartner(trx, id, { referred_by: null })
    .where('referred_by', '=', formerReferrerId)
    .executeTakeFirst();
}

/** Person partners whose ИНН is still in the clear (registered before migration 005 sealed it). */
export async function listPlainInns(db: Db, kinds: PartnerKind[]): Promise<{ id: string; inn: string }[]> {
  const rows = await db
    .selectFrom('partners')
    .select(['id', 'inn'])
    .where('kind', 'in', kinds)
    .where('inn', 'is not', null)
    .execute();
  return rows.map((row) => ({ id: row.id, inn: row.inn! }));
}

/** Replaces a clear ИНН with its sealed and masked forms; guarded on the clear value read before. */
export async function sealPlainInn(
  db: Db,
  id: string,
  plainInn: string,
  sealed: { innEnc: string; innMasked: string },
): Promise<void> {
  await updatePartner(db, id, { inn: null, inn_enc: sealed.innEnc, inn_masked: sealed.innMasked })
    .where('inn', '=', plainInn)
    .execute();
}
