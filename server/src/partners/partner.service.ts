import { maskInn, maskPassport } from '../../../shared/requisites';
import type { AccountCaller } from '../auth/caller';
import { open, seal } from '../crypto/secret-box';
import type { Db, Tx } from '../db/pool';
import { AppError } from '../errors';
import { createId } from '../ids';
import type { ProgramDocument } from '../programs/program';
import { notPayableReason } from '../programs/program.rules';
import type { PartnerKind, PartnerProfile, RegisterPartnerBody } from './partner';
import * as repo from './partner.repository';
import { canSignContract, initialStatus } from './partner.rules';

/** Reads other domains may use; every write to `partners` goes through the functions below. */
export { findPartnerByAccountId, findPartnerById, type PartnerRow } from './partner.repository';

/**
 * Kinds whose ИНН identifies a person rather than a registered business: sealed at rest. A company's or an
 * ИП's ИНН is public registry data (ЕГРЮЛ/ЕГРИП) printed on every invoice, so it stays plain.
 */
const PERSON_INN_KINDS: PartnerKind[] = ['self_employed', 'individual'];
const innContext = (partnerId: string) => `partner:${partnerId}:inn`;

function sealedInn(key: Buffer, partnerId: string, inn: string) {
  return { inn: null, innEnc: seal(key, inn, innContext(partnerId)), innMasked: maskInn(inn) };
}

/** The whole ИНН, for the partner's own documents (invoices, statements); never for lists or logs. */
export function partnerInn(row: repo.PartnerRow, key: Buffer): string | null {
  if (row.inn !== null) return row.inn;
  return row.inn_enc ? open(key, row.inn_enc, innContext(row.id)) : null;
}

/**
 * Seals the ИНН of person partners registered before migration 005, which left it in the clear. Run at
 * every start (the migration has no key); a no-op once done. Returns how many rows it sealed.
 */
export async function sealPlainPersonInns(db: Db, key: Buffer): Promise<number> {
  const rows = await repo.listPlainInns(db, PERSON_INN_KINDS);
  for (const row of rows) await repo.sealPlainInn(db, row.id, row.inn, sealedInn(key, row.id, row.inn));
  return rows.length;
}

/** The profile as the partner and the admin see it; `payout` is the program's policy in force (who may be paid). */
export function toProfile(
  row: repo.PartnerRow,
  payout: ProgramDocument['policies']['payout'],
): PartnerProfile {
  const contractSignedAt = row.contract_signed_at;
  return {
    id: row.id,
    accountId: Number(row.account_id),
    kind: row.kind,
    status: row.status,
    payoutEligible:
      notPayableReason(payout, { kind: row.kind, status: row.status, contractSignedAt }) === null,
    name: row.name,
    // A person's ИНН is shown masked, like the passport; an organisation's is public and shown whole.
    inn: row.inn ?? row.inn_masked,
    kpp: row.kpp,
    ogrn: row.ogrn,
    passport: row.passport_masked ? { masked: row.passport_masked } : null,
    bank: row.bank,
    contacts: row.contacts,
    contract:
      row.contract_number && contractSignedAt
        ? { number: row.contract_number, signedAt: contractSignedAt.toISOString() }
        : null,
    referredBy: row.referred_by,
    createdAt: row.created_at.toISOString(),
  };
}

/** The caller's partner, or 404 `partner_not_found` when this account has not registered. */
export async function getPartnerOrThrow(db: Db, accountId: number): Promise<repo.PartnerRow> {
  const partner = await repo.findPartnerByAccountId(db, accountId);
  if (!partner) throw new AppError('partner_not_found', 'This amoCRM account is not registered as a partner');
  return partner;
}

/**
 * For actions (pinning, disputes): an unregistered account is refused with 403 `registration_required`,
 * a blocked partner with 403 `partner_blocked`.
 */
export async function getActivePartnerOrThrow(db: Db, accountId: number): Promise<repo.PartnerRow> {
  const partner = await repo.findPartnerByAccountId(db, accountId);
  if (!partner)
    throw new AppError('registration_required', 'Register this amoCRM account as a partner first');
  if (partner.status === 'blocked')
    throw new AppError('partner_blocked', 'This partner is blocked; contact the vendor');
  return partner;
}

/**
 * Registers the caller's account. `referredBy` is the referrer's id, already resolved from the code the new
 * partner typed (`referral.service` › `referrerOfCode`). This is the only place a referrer is ever set: the
 * partner being created has no referrals of its own yet, so the new edge cannot close a cycle, and afterwards
 * an admin may only clear it (`clearReferrer`). There is deliberately no way to set or change a referrer later.
 */
export async function registerPartner(
  db: Db,
  caller: AccountCaller,
  body: RegisterPartnerBody,
  encryptionKey: Buffer,
  referredBy: string | null = null,
): Promise<repo.PartnerRow> {
  const id = createId('ptn');
  const passport = body.kind === 'self_employed' ? body.passport : null;
  const row = await repo.insertPartner(db, {
    id,
    accountId: caller.accountId,
    kind: body.kind,
    status: initialStatus(body.kind),
    name: body.name,
    ...(!('inn' in body)
      ? { inn: null, innEnc: null, innMasked: null }
      : PERSON_INN_KINDS.includes(body.kind)
        ? sealedInn(encryptionKey, id, body.inn)
        : { inn: body.inn, innEnc: null, innMasked: null }),
    kpp: body.kind === 'legal_entity' ? body.kpp : null,
    ogrn: 'ogrn' in body ? body.ogrn : null,
    // The passport is sealed to this partner id: a ciphertext copied to another row will not open.
    passportEnc: passport ? seal(encryptionKey, JSON.stringify(passport), `partner:${id}:passport`) : null,
    passportMasked: passport ? maskPassport(passport.series, passport.number) : null,
    bank: 'bank' in body ? body.bank : null,
    contacts: body.contacts,
    referredBy,
  });
  if (!row)
    throw new AppError(
      'partner_already_registered',
      'This amoCRM account is already registered as a partner',
    );
  return row;
}

export async function signContract(
  db: Tx,
  partnerId: string,
  contract: { number: string; signedAt: Date },
): Promise<repo.PartnerRow> {
  const partner = await repo.lockPartner(db, partnerId);
  if (!partner) throw new AppError('not_found', 'No such partner');
  if (!canSignContract(partner.kind)) {
    throw new AppError(
      'unprocessable',
      'An individual without self-employed status gets no contract (partner_net only)',
    );
  }
  if (partner.status === 'blocked')
    throw new AppError('conflict', 'The partner is blocked; unblock it first');
  const updated = await repo.markContractSigned(db, partnerId, contract);
  if (!updated) throw new AppError('conflict', 'The partner changed meanwhile; retry');
  return updated;
}

/**
 * An admin blocks or unblocks a partner. Unblocking returns to where the contract stands: active once
 * signed (or for individuals, who sign none), else pending the contract.
 */
export async function setPartnerStatus(
  trx: Tx,
  partnerId: string,
  to: 'blocked' | 'active',
): Promise<{ partner: repo.PartnerRow; from: repo.PartnerRow['status'] }> {
  const current = await repo.lockPartner(trx, partnerId);
  if (!current) throw new AppError('not_found', 'No such partner');
  const status =
    to === 'blocked'
      ? 'blocked'
      : current.contract_signed_at || current.kind === 'individual'
        ? 'active'
        : 'pending_contract';
  const partner = await repo.setPartnerStatus(trx, partnerId, status);
  if (!partner) throw new AppError('not_found', 'No such partner');
  return { partner, from: current.status };
}

/**
 * An admin breaks the link between a partner and its referrer (the only change a referrer ever sees after
 * registration). 404 for an unknown partner, 409 `conflict` when it has no referrer (already broken, or never
 * referred): the admin's screen was stale, and nothing is done twice. Past commissions are not rewritten: the
 * break only keeps the former referrer (and those above it) out of the shares of later payments.
 */
export async function clearReferrer(
  trx: Tx,
  partnerId: string,
): Promise<{ partner: repo.PartnerRow; formerReferrerId: string }> {
  const current = await repo.lockPartner(trx, partnerId);
  if (!current) throw new AppError('not_found', 'No such partner');
  if (current.referred_by === null)
    throw new AppError('conflict', 'This partner has no referrer: there is no link to break');
  const partner = await repo.clearReferrer(trx, partnerId, current.referred_by);
  if (!partner) throw new AppError('conflict', 'The partner changed meanwhile; retry');
  return { partner, formerReferrerId: current.referred_by };
}
