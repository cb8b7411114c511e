import { maskPassport } from '../../../shared/requisites';
import type { AccountCaller } from '../auth/caller';
import { seal } from '../crypto/secret-box';
import type { Db } from '../db/pool';
import { AppError } from '../http/errors';
import { createId } from '../ids';
import type { PartnerProfile, RegisterPartnerBody } from './partner';
import * as repo from './partner.repository';
import { canSignContract, initialStatus, payoutEligible } from './partner.rules';

export function toProfile(row: repo.PartnerRow): PartnerProfile {
  const contractSignedAt = row.contract_signed_at;
  return {
    id: row.id,
    accountId: Number(row.account_id),
    kind: row.kind,
    status: row.status,
    payoutEligible: payoutEligible({ kind: row.kind, status: row.status, contractSignedAt }),
    name: row.name,
    inn: row.inn,
    kpp: row.kpp,
    ogrn: row.ogrn,
    passport: row.passport_masked ? { masked: row.passport_masked } : null,
    bank: row.bank,
    contacts: row.contacts,
    contract:
      row.contract_number && contractSignedAt
        ? { number: row.contract_number, signedAt: contractSignedAt.toISOString() }
        : null,
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

export async function registerPartner(
  db: Db,
  caller: AccountCaller,
  body: RegisterPartnerBody,
  encryptionKey: Buffer,
): Promise<repo.PartnerRow> {
  const id = createId('ptn');
  const passport = body.kind === 'self_employed' ? body.passport : null;
  const row = await repo.insertPartner(db, {
    id,
    accountId: caller.accountId,
    kind: body.kind,
    status: initialStatus(body.kind),
    name: body.name,
    inn: 'inn' in body ? body.inn : null,
    kpp: body.kind === 'legal_entity' ? body.kpp : null,
    ogrn: 'ogrn' in body ? body.ogrn : null,
    // The passport is sealed to this partner id: a ciphertext copied to another row will not open.
    passportEnc: passport ? seal(encryptionKey, JSON.stringify(passport), `partner:${id}:passport`) : null,
    passportMasked: passport ? maskPassport(passport.series, passport.number) : null,
    bank: 'bank' in body ? body.bank : null,
    contacts: body.contacts,
  });
  if (!row)
    throw new AppError(
      'partner_already_registered',
      'This amoCRM account is already registered as a partner',
    );
  return row;
}

export async function signContract(
  db: Db,
  partnerId: string,
  contract: { number: string; signedAt: Date },
): Promise<repo.PartnerRow> {
  const partner = await repo.findPartnerById(db, partnerId, { forUpdate: true });
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
