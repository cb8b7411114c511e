/**
 * Allowances a partner grants its own clients (seed 004): bonus codes and free months, each checked against the
 * `allowances` of the program version in force and recorded in one transaction under the partner's and the
 * client's locks, so parallel requests never grant past a quota; the table's constraints hold the same limits.
 */
import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/pool';
import { AppError } from '../errors';
import { createId } from '../ids';
import { PROMO_CODE_ALPHABET } from '../links/link';
import { findPartnerById, type PartnerRow } from '../partners/partner.service';
import { findHoldingPin, listClientPinsWithPartner } from '../pins/pin.service';
import { EARNING_STATUSES } from '../pins/pin.rules';
import type { PresetName } from '../programs/program';
import { programInForce } from '../programs/program.service';
import type { AllowancesView, BonusCodeBody, BonusCodeOut, FreeMonthBody, FreeMonthOut } from './allowance';
import * as repo from './allowance.repository';
import {
  allowanceOf,
  amountLeft,
  bonusCodeRefusal,
  countLeft,
  freeMonthRefusal,
  monthOf,
  quarterOf,
  trialMonthOf,
  type AllowanceKind,
  type AllowanceTerms,
  type Refusal,
} from './allowance.rules';

const KIND_WORDS: Record<AllowanceKind, { en: string; ru: string }> = {
  bonus_codes: { en: 'bonus codes', ru: 'бонусных кодов' },
  free_months: { en: 'free months', ru: 'бесплатных месяцев' },
};

/**
 * A bonus code as the client types it: twelve symbols of the promo codes' alphabet (no 0/O, 1/I/L) in three groups
 * of four, about 59 bits — a code is worth money, so it must not be guessed the way a partner's promo code may be.
 */
export function newBonusCode(): string {
  const symbols = Array.from(randomBytes(12), (b) => PROMO_CODE_ALPHABET[b % PROMO_CODE_ALPHABET.length]);
  return [0, 4, 8].map((i) => symbols.slice(i, i + 4).join('')).join('-');
}

function refuse(refusal: Refusal): never {
  throw new AppError('unprocessable', refusal.message, [
    { path: refusal.path, message: refusal.message, messageRu: refusal.messageRu },
  ]);
}

/** The program in force now and its allowance of this kind; 422 when the program grants none. */
async function allowanceInForce(db: Db, kind: AllowanceKind, now: Date, preset: PresetName) {
  const program = await programInForce(db, now, preset);
  const allowance = allowanceOf(program.document.allowances, kind);
  if (!allowance) {
    const words = KIND_WORDS[kind];
    refuse({
      rule: 'allowances',
      path: 'body',
      message: `allowances: the program in force (version ${program.version}) grants no ${words.en}`,
      messageRu: `Действующая программа не предусматривает ${words.ru}`,
    });
  }
  return { version: program.version, allowance };
}

/**
 * The client must be the partner's own: held by its pin that took effect (pinned, or attributed by the vendor).
 * Anything else — another partner's client, a pin still waiting for the client or the vendor, an account nobody
 * pinned — is the same 404, so a partner learns nothing of other partners' clients.
 */
async function ownClientOrThrow(db: Db, partner: PartnerRow, clientAccountId: number): Promise<void> {
  const pin = await findHoldingPin(db, clientAccountId);
  if (pin?.partner_id === partner.id && EARNING_STATUSES.includes(pin.status)) return;
  throw new AppError('not_found', `Client account ${clientAccountId} is not among your clients`, [
    {
      path: 'clientAccountId',
      message: 'not a client pinned to you',
      messageRu: 'Этот аккаунт не закреплён за вами как клиент',
    },
  ]);
}

/** The partner an admin grants on behalf of; 404 when there is none. */
export async function partnerToGrantFor(db: Db, partnerId: string): Promise<PartnerRow> {
  const partner = await findPartnerById(db, partnerId);
  if (!partner) throw new AppError('not_found', `No partner ${partnerId}`);
  return partner;
}

/**
 * Opens a grant: refuses a blocked partner, takes the partner's and the client's locks, then checks the client is
 * the partner's own and reads the clock and the allowance in force — after the lock, so a request that waited
 * decides on the present.
 */
async function beginGrant(
  trx: Tx,
  partner: PartnerRow,
  kind: AllowanceKind,
  clientAccountId: number,
  preset: PresetName,
) {
  if (partner.status === 'blocked')
    throw new AppError('partner_blocked', 'This partner is blocked; contact the vendor');
  await repo.lockGrantsOf(trx, partner.id, clientAccountId);
  await ownClientOrThrow(trx, partner, clientAccountId);
  const now = new Date();
  const { version, allowance } = await allowanceInForce(trx, kind, now, preset);
  const quarter = quarterOf(now);
  const used = await repo.quarterUse(trx, partner.id, kind, quarter);
  const clientRows = await repo.clientGrants(trx, [clientAccountId], kind);
  return { now, version, allowance, quarter, used, clientRows };
}

/** The columns every grant has: its place in the partner's quarter and the client's grants, with the limits. */
function grantBase(partner: PartnerRow, clientAccountId: number, g: Awaited<ReturnType<typeof beginGrant>>) {
  return {
    id: createId('alw'),
    kind: g.allowance.kind,
    allowance_id: g.allowance.id,
    program_version: g.version,
    partner_id: partner.id,
    client_account_id: BigInt(clientAccountId),
    granted_at: g.now,
    quarter: g.quarter,
    partner_ordinal: g.used.count + 1,
    partner_quota: g.allowance.perPartnerPerQuarter?.count ?? null,
    client_ordinal: g.clientRows.length + 1,
    client_quota: g.allowance.perClient?.count ?? null,
  };
}

const grantedFields = (row: repo.GrantRow) => ({
  id: row.id,
  clientAccountId: Number(row.client_account_id),
  quarter: row.quarter,
  grantedAt: row.granted_at.toISOString(),
  programVersion: row.program_version,
});

export const toBonusCodeOut = (row: repo.GrantRow): BonusCodeOut => ({
  ...grantedFields(row),
  code: row.code!,
  amountMinor: Number(row.amount_minor),
  currency: 'RUB',
});

export const toFreeMonthOut = (row: repo.GrantRow): FreeMonthOut => ({
  ...grantedFields(row),
  month: row.month!,
});

/**
 * `POST /api/v1/bonus-codes`: a code worth `amountMinor` for the partner's client, within one code per client and
 * the partner's count and amount of the quarter (seed 004 item 12); 422 naming the rule that refuses it.
 */
export async function grantBonusCode(
  trx: Tx,
  partner: PartnerRow,
  body: BonusCodeBody,
  preset: PresetName,
): Promise<BonusCodeOut> {
  const g = await beginGrant(trx, partner, 'bonus_codes', body.clientAccountId, preset);
  const amountMinor = BigInt(body.amountMinor);
  const refusal = bonusCodeRefusal({
    allowance: g.allowance,
    amountMinor,
    quarter: g.quarter,
    used: g.used,
    clientCodes: g.clientRows.length,
  });
  if (refusal) refuse(refusal);
  const quota = g.allowance.perPartnerPerQuarter?.amountMinor;
  for (;;) {
    const row = await repo.insertGrant(trx, {
      ...grantBase(partner, body.clientAccountId, g),
      code: newBonusCode(),
      amount_minor: amountMinor,
      currency: 'RUB',
      quarter_total_minor: g.used.amountMinor + amountMinor,
      quarter_quota_minor: quota === undefined ? null : BigInt(quota),
    });
    // A code another grant drew already (one chance in 2^59 a pair): draw again.
    if (row) return toBonusCodeOut(row);
  }
}

/**
 * `POST /api/v1/free-months`: `month` free for the partner's client, within the client's count, never right after
 * its trial month and never next to another of its free months (seed 004 item 13); 422 naming the rule.
 */
export async function grantFreeMonth(
  trx: Tx,
  partner: PartnerRow,
  body: FreeMonthBody,
  preset: PresetName,
): Promise<FreeMonthOut> {
  const g = await beginGrant(trx, partner, 'free_months', body.clientAccountId, preset);
  const pins = await listClientPinsWithPartner(trx, [body.clientAccountId]);
  const refusal = freeMonthRefusal({
    allowance: g.allowance,
    month: body.month,
    currentMonth: monthOf(g.now),
    trialMonth: trialMonthOf(pins.flatMap((p) => (p.valid_from ? [p.valid_from] : []))),
    clientMonths: g.clientRows.map((r) => r.month!),
    quarter: g.quarter,
    usedInQuarter: g.used.count,
  });
  if (refusal) refuse(refusal);
  const row = await repo.insertGrant(trx, {
    ...grantBase(partner, body.clientAccountId, g),
    month: `${body.month}-01`,
    not_consecutive: g.allowance.notConsecutive ?? false,
  });
  return toFreeMonthOut(row!);
}

function quotaOf(limit: number | undefined, used: number) {
  return { limit: limit ?? null, used, left: countLeft(limit, used) };
}

/** `GET /api/v1/allowances`: the partner's quotas left this quarter, its codes, and its clients' free months. */
export async function allowancesOf(db: Db, partner: PartnerRow, preset: PresetName): Promise<AllowancesView> {
  const now = new Date();
  const program = await programInForce(db, now, preset);
  const quarter = quarterOf(now);
  const codes = allowanceOf(program.document.allowances, 'bonus_codes');
  const months = allowanceOf(program.document.allowances, 'free_months');
  return {
    programVersion: program.version,
    quarter,
    bonusCodes: codes && (await bonusCodesView(db, partner, codes, quarter)),
    freeMonths: months && (await freeMonthsView(db, partner, months, quarter)),
  };
}

async function bonusCodesView(db: Db, partner: PartnerRow, allowance: AllowanceTerms, quarter: string) {
  const used = await repo.quarterUse(db, partner.id, 'bonus_codes', quarter);
  const amountLimit = allowance.perPartnerPerQuarter?.amountMinor;
  return {
    allowanceId: allowance.id,
    title: allowance.title,
    count: quotaOf(allowance.perPartnerPerQuarter?.count, used.count),
    amountMinor: {
      limit: amountLimit ?? null,
      used: Number(used.amountMinor),
      left: amountLimit === undefined ? null : Number(amountLeft(BigInt(amountLimit), used.amountMinor)),
    },
    perClient: allowance.perClient?.count ?? null,
    codes: (await repo.partnerGrants(db, partner.id, 'bonus_codes')).map(toBonusCodeOut),
  };
}

async function freeMonthsView(db: Db, partner: PartnerRow, allowance: AllowanceTerms, quarter: string) {
  const used = await repo.quarterUse(db, partner.id, 'free_months', quarter);
  const granted = await repo.partnerGrants(db, partner.id, 'free_months');
  const clientIds = [...new Set(granted.map((r) => Number(r.client_account_id)))].sort((a, b) => a - b);
  const all = await repo.clientGrants(db, clientIds, 'free_months');
  const perClient = allowance.perClient?.count;
  return {
    allowanceId: allowance.id,
    title: allowance.title,
    count: quotaOf(allowance.perPartnerPerQuarter?.count, used.count),
    perClient: perClient ?? null,
    notAfterTrialMonth: allowance.notAfterTrialMonth ?? false,
    notConsecutive: allowance.notConsecutive ?? false,
    clients: clientIds.map((clientAccountId) => {
      const monthsOfClient = all
        .filter((r) => Number(r.client_account_id) === clientAccountId)
        .map((r) => r.month!)
        .sort();
      return { clientAccountId, months: monthsOfClient, left: countLeft(perClient, monthsOfClient.length) };
    }),
  };
}
