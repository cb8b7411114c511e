import { createHash, randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/pool';
import type { PinStatus } from '../db/schema';
import { AppError } from '../errors';
import { createId } from '../ids';
import { DAY_MS } from '../instants';
import { winningClick } from '../links/link.service';
import { enqueue } from '../outbox/outbox';
import { findPartnerById, type PartnerRow } from '../partners/partner.service';
import type { PresetName } from '../programs/program';
import { programInForce } from '../programs/program.service';
import type { PinView } from './pin';
import * as repo from './pin.repository';
import {
  decideInstallAttribution,
  decideNewPin,
  EARNING_STATUSES,
  HOLDING_STATUSES,
  WAITING_STATUSES,
  type InstallSkip,
  type VendorKnowledge,
} from './pin.rules';
import { vendorKnowledge, type VendorCrmDirectory } from './vendor-knowledge';

// The pins domain's door for other domains' reads: a holding pin, a pin, the pin earning on a date, the
// pending checks, the clients' pin histories (the vendor's companies); and the vendor's list of known client
// accounts, which a payment extends.
export {
  addKnownAccounts,
  knownAccountsInsert,
  findEarningPinOn,
  findHoldingPin,
  findPin,
  listClientPinsWithPartner,
  listPendingChecks,
  lockHoldingPin,
  type PinRow,
} from './pin.repository';

export function toPinView(row: repo.PinRow): PinView {
  return {
    id: row.id,
    clientAccountId: Number(row.client_account_id),
    clientSubdomain: row.client_subdomain,
    status: row.status,
    exclusive: row.exclusive,
    reason: row.reason,
    comment: row.comment,
    since: row.valid_from?.toISOString() ?? null,
    until: row.valid_to?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * The vendor's amoCRM gets a company for every pinned (or attributed) client, kept in step on transfer and
 * release (rule 8). One outbox item per pin state: re-delivering it is harmless, writing it twice is a no-op.
 */
async function syncVendorCompany(db: Db, vendorAccountId: number, pin: repo.PinRow): Promise<void> {
  await enqueue(db, {
    kind: 'vendor_company.sync',
    targetAccountId: vendorAccountId,
    dedupeKey: `vendor_company:${pin.id}:${pin.status}`,
    payload: { pinId: pin.id, clientAccountId: Number(pin.client_account_id), status: pin.status },
  });
}

/**
 * An admin's "write our record again" for a client's company in the vendor's amoCRM: queues a sync of the
 * client's latest pin that ever took effect. False when the client was never pinned (no company to write).
 */
export async function queueVendorCompanyResync(
  trx: Tx,
  clientAccountId: number,
  vendorAccountId: number,
): Promise<boolean> {
  const pin = await repo.findLatestEffectivePin(trx, clientAccountId);
  if (!pin) return false;
  await enqueue(trx, {
    kind: 'vendor_company.sync',
    targetAccountId: vendorAccountId,
    dedupeKey: `vendor_company:resync:${clientAccountId}:${Date.now()}`,
    payload: { pinId: pin.id, clientAccountId, status: 'resync' },
  });
  return true;
}

/**
 * The vendor's company of a client was deleted in amoCRM (confirmed there): while a pin earns on the client,
 * queue writing the company again. False when no pin earns on it (nothing to recreate).
 */
export async function queueVendorCompanyRecreate(
  trx: Tx,
  clientAccountId: number,
  deletedCompanyId: number,
  vendorAccountId: number,
): Promise<boolean> {
  const holder = await repo.findHoldingPin(trx, clientAccountId);
  if (!holder || !EARNING_STATUSES.includes(holder.status)) return false;
  await enqueue(trx, {
    kind: 'vendor_company.sync',
    targetAccountId: vendorAccountId,
    dedupeKey: `vendor_company:recreate:${clientAccountId}:${deletedCompanyId}`,
    payload: { pinId: holder.id, clientAccountId, status: 'recreate' },
  });
  return true;
}

export interface CreatePinResult {
  pin: repo.PinRow;
  /** false when the partner already held this account and its existing pin is returned. */
  created: boolean;
}

/**
 * Rules 7–10. The answer is immediate; "first valid pin wins" is enforced by the partial unique index, so two
 * partners pinning one account at the same instant get exactly one holder, whatever the interleaving.
 */
export async function createPin(
  db: Db,
  partner: PartnerRow,
  input: { clientAccountId: number; clientSubdomain?: string; comment?: string },
  settings: {
    vendorAccountId: number;
    vendorCrm?: VendorCrmDirectory;
    /** The check made before the transaction (`prepareVendorKnowledge`), if the account was free then. */
    knowledge?: VendorKnowledge;
  },
): Promise<CreatePinResult> {
  const holder = await repo.findHoldingPin(db, input.clientAccountId);
  if (holder && holder.partner_id === partner.id) return { pin: holder, created: false };

  const knowledge = holder
    ? 'new'
    : (settings.knowledge ?? (await vendorKnowledge(db, input.clientAccountId, settings.vendorCrm)));
  const decision = decideNewPin({
    partnerAccountId: Number(partner.account_id),
    clientAccountId: input.clientAccountId,
    vendorAccountId: settings.vendorAccountId,
    heldByAnotherPartner: holder !== undefined,
    vendorKnowledge: knowledge,
  });
  const base = {
    clientAccountId: input.clientAccountId,
    clientSubdomain: input.clientSubdomain ?? null,
    partnerId: partner.id,
    comment: input.comment ?? null,
  };
  const rejected = async (reason: string) => {
    const pin = (await repo.insertPin(db, {
      ...base,
      id: createId('pin'),
      status: 'rejected',
      exclusive: false,
      reason,
      validFrom: null,
    }))!;
    await repo.addPinEvent(db, pin.id, 'rejected', { reason });
    return { pin, created: true };
  };
  if (decision.status === 'rejected') return rejected(decision.reason!);

  const pin = await repo.insertPin(db, {
    ...base,
    id: createId('pin'),
    status: decision.status,
    exclusive: decision.exclusive,
    reason: decision.reason,
    validFrom: decision.status === 'pinned' ? new Date() : null,
  });
  if (!pin) {
    // Lost the race to a concurrent pin of the same account: it is that holder's now.
    const winner = await repo.findHoldingPin(db, input.clientAccountId);
    if (winner && winner.partner_id === partner.id) return { pin: winner, created: false };
    return rejected('already_pinned');
  }
  await repo.addPinEvent(db, pin.id, pin.status, decision.reason ? { reason: decision.reason } : {});
  if (pin.status === 'pinned') await syncVendorCompany(db, settings.vendorAccountId, pin);
  return { pin, created: true };
}

/**
 * Rule 9's known-customer check for a pin about to be made, on the pool and outside any transaction: it may
 * wait for the vendor's amoCRM. Nothing when the account is already held (the check would not matter).
 */
export async function prepareVendorKnowledge(
  db: Db,
  clientAccountId: number,
  vendorCrm: VendorCrmDirectory | undefined,
): Promise<VendorKnowledge | undefined> {
  if (await repo.findHoldingPin(db, clientAccountId)) return undefined;
  return vendorKnowledge(db, clientAccountId, vendorCrm);
}

async function getPinForUpdateOrThrow(db: Tx, id: string): Promise<repo.PinRow> {
  const pin = await repo.lockPin(db, id);
  if (!pin) throw new AppError('not_found', 'No such pin');
  return pin;
}

function wrongState(pin: repo.PinRow, expected: PinStatus[]): AppError {
  return new AppError('conflict', `The pin is ${pin.status}; this needs one of: ${expected.join(', ')}`);
}

/** Rule 9: the client's own request turns a waiting pin into an exclusive one. */
export async function recordClientRequest(
  db: Tx,
  pinId: string,
  source: 'admin' | 'client_link',
  vendorAccountId: number,
  note?: string,
): Promise<repo.PinRow> {
  const pin = await getPinForUpdateOrThrow(db, pinId);
  const now = new Date();
  const updated = await repo.transitionPin(db, pin.id, ['pending_client_request'], {
    status: 'pinned',
    exclusive: true,
    reason: null,
    valid_from: now,
    client_request_at: now,
    client_request_source: source,
  });
  if (!updated) throw wrongState(pin, ['pending_client_request']);
  await repo.addPinEvent(db, pin.id, 'client_request', { source, ...(note ? { note } : {}) });
  await syncVendorCompany(db, vendorAccountId, updated);
  return updated;
}

/**
 * Rule 11, non-exclusive attribution: the partner earns on the client, sales may still contact it. The one
 * place a pin becomes attributed — by an admin for a waiting pin whose client request did not come, or by
 * billing when the partner pays the vendor for the client (payment.service) — so every attributed client gets
 * its vendor company (rule 8) whichever way it came. `at` is when earning starts (the payment date for the
 * automatic case); `details` go into the pin's history beside the reason.
 */
export async function attributePin(
  db: Tx,
  pinId: string,
  vendorAccountId: number,
  reason: string,
  options: { at?: Date; details?: Record<string, unknown> } = {},
): Promise<repo.PinRow> {
  const pin = await getPinForUpdateOrThrow(db, pinId);
  const updated = await repo.transitionPin(db, pin.id, WAITING_STATUSES, {
    status: 'attributed',
    exclusive: false,
    valid_from: options.at ?? new Date(),
  });
  if (!updated) throw wrongState(pin, WAITING_STATUSES);
  await repo.addPinEvent(db, pin.id, 'attributed', { reason, ...options.details });
  await syncVendorCompany(db, vendorAccountId, updated);
  return updated;
}

export type InstallAttribution =
  { pin: repo.PinRow } | { skip: InstallSkip | 'links_not_in_program' | 'no_click_in_window' };

/**
 * The automatic pin of a link program (PROGRAMS.md, the contract): the landing passes the visitor id of the
 * partner's link to amoCRM's install button as `state`, and once the install's code is exchanged and the
 * account is known, the winning click (the same window and last-click rule as a payment's) attributes that
 * account to its partner — `decideInstallAttribution` says how. Runs in the install's transaction, so the
 * connection and its pin commit together; the pin earns from the install's time and gets its vendor company
 * (rule 8) like every attributed client.
 */
export async function attributeInstallByClick(
  db: Tx,
  install: { clientAccountId: number; clientSubdomain: string; visitorId: string; installedAt: Date },
  settings: { vendorAccountId: number; preset: PresetName },
): Promise<InstallAttribution> {
  const { attribution } = (await programInForce(db, install.installedAt, settings.preset)).document;
  if (attribution.via !== 'link') return { skip: 'links_not_in_program' };
  const click = await winningClick(db, {
    visitorId: install.visitorId,
    paidAt: install.installedAt,
    windowDays: attribution.windowDays,
    lastClickWins: attribution.lastClickWins,
  });
  if (!click) return { skip: 'no_click_in_window' };
  const partner = (await findPartnerById(db, click.partnerId))!;
  const decision = decideInstallAttribution({
    clientAccountId: install.clientAccountId,
    vendorAccountId: settings.vendorAccountId,
    partnerAccountId: Number(partner.account_id),
    partnerBlocked: partner.status === 'blocked',
    held: (await repo.findHoldingPin(db, install.clientAccountId)) !== undefined,
    exclusive: attribution.exclusive,
  });
  if ('skip' in decision) return decision;
  const pin = await repo.insertPin(db, {
    id: createId('pin'),
    clientAccountId: install.clientAccountId,
    clientSubdomain: install.clientSubdomain,
    partnerId: partner.id,
    ...decision.pin,
    reason: 'link_click',
    comment: null,
    validFrom: install.installedAt,
  });
  // A pin made by someone else since the look-up above keeps the account (the unique index decided).
  if (!pin) return { skip: 'already_pinned' };
  await repo.addPinEvent(db, pin.id, pin.status, {
    reason: 'link_click',
    via: 'amocrm_install',
    clickId: String(click.id),
    clickedAt: click.clickedAt.toISOString(),
  });
  await syncVendorCompany(db, settings.vendorAccountId, pin);
  return { pin };
}

/**
 * Decides a pin that waited as `pending_check` because the vendor's amoCRM could not be asked when it was
 * made (rule 9, decided late): a new client is pinned (and its company queued, rule 8), a known one waits for
 * its own request. Undefined when the pin was decided meanwhile (released, or by a concurrent run).
 */
export async function decidePendingCheck(
  db: Db,
  pinId: string,
  knowledge: 'new' | 'known',
  vendorAccountId: number,
): Promise<repo.PinRow | undefined> {
  const updated =
    knowledge === 'new'
      ? await repo.transitionPin(db, pinId, ['pending_check'], {
          status: 'pinned',
          exclusive: true,
          reason: null,
          valid_from: new Date(),
        })
      : await repo.transitionPin(db, pinId, ['pending_check'], {
          status: 'pending_client_request',
          exclusive: false,
          reason: 'existing_customer',
        });
  if (!updated) return undefined;
  await repo.addPinEvent(db, pinId, updated.status, {
    vendorCheck: knowledge,
    ...(updated.reason ? { reason: updated.reason } : {}),
  });
  if (updated.status === 'pinned') await syncVendorCompany(db, vendorAccountId, updated);
  return updated;
}

export async function releasePin(
  db: Tx,
  pinId: string,
  vendorAccountId: number,
  reason: string,
): Promise<repo.PinRow> {
  const pin = await getPinForUpdateOrThrow(db, pinId);
  const updated = await repo.transitionPin(db, pin.id, HOLDING_STATUSES, {
    status: 'released',
    valid_to: pin.valid_from ? new Date() : null,
  });
  if (!updated) throw wrongState(pin, HOLDING_STATUSES);
  await repo.addPinEvent(db, pin.id, 'released', { reason });
  if (pin.valid_from) await syncVendorCompany(db, vendorAccountId, updated);
  return updated;
}

/** Moves a client to another partner on the client's request; the old pin's history stays. */
export async function transferPin(
  db: Tx,
  pinId: string,
  input: { toPartnerId: string; reason: string; clientRequest: { receivedAt: Date; note: string } },
  vendorAccountId: number,
): Promise<{ from: repo.PinRow; to: repo.PinRow }> {
  const pin = await getPinForUpdateOrThrow(db, pinId);
  const target = await findPartnerById(db, input.toPartnerId);
  if (!target) throw new AppError('not_found', 'No such partner to transfer to');
  if (target.id === pin.partner_id) throw new AppError('conflict', 'The client is already with this partner');
  if (target.status === 'blocked') throw new AppError('conflict', 'The target partner is blocked');
  if (Number(target.account_id) === Number(pin.client_account_id))
    throw new AppError('conflict', 'A partner cannot hold its own account');
  const now = new Date();
  const from = await repo.transitionPin(db, pin.id, EARNING_STATUSES, {
    status: 'transferred',
    valid_to: now,
  });
  if (!from) throw wrongState(pin, EARNING_STATUSES);
  const to = (await repo.insertPin(db, {
    id: createId('pin'),
    clientAccountId: Number(pin.client_account_id),
    clientSubdomain: pin.client_subdomain,
    partnerId: target.id,
    status: 'pinned',
    exclusive: true,
    reason: null,
    comment: null,
    validFrom: now,
    clientRequestAt: input.clientRequest.receivedAt,
    clientRequestSource: 'admin',
    transferredFromPinId: pin.id,
  }))!;
  await repo.addPinEvent(db, from.id, 'transferred_out', {
    toPinId: to.id,
    toPartnerId: target.id,
    reason: input.reason,
    clientRequestNote: input.clientRequest.note,
  });
  await repo.addPinEvent(db, to.id, 'transferred_in', {
    fromPinId: from.id,
    fromPartnerId: pin.partner_id,
    reason: input.reason,
  });
  await syncVendorCompany(db, vendorAccountId, to);
  return { from, to };
}

const LINK_LIFETIME_MS = 7 * DAY_MS;
const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/**
 * A single-use link the partner sends to its client; opening it from the client's own amoCRM account
 * records the client request (rule 9). Only the hash is stored.
 */
export async function createConfirmationLink(db: Db, partner: PartnerRow, pinId: string, publicUrl: string) {
  const pin = await repo.findPin(db, pinId);
  if (!pin || pin.partner_id !== partner.id) throw new AppError('not_found', 'No such pin');
  if (pin.status !== 'pending_client_request') throw wrongState(pin, ['pending_client_request']);
  const code = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + LINK_LIFETIME_MS);
  await repo.insertClientRequestLink(db, { codeHash: hashCode(code), pinId: pin.id, expiresAt });
  await repo.addPinEvent(db, pin.id, 'confirmation_link_created', { expiresAt: expiresAt.toISOString() });
  return { code, url: `${publicUrl}/confirm/${code}`, expiresAt: expiresAt.toISOString() };
}

/** A usable confirmation link (404, 409 used, 410 expired otherwise). */
export async function findLinkOrThrow(db: Db, code: string) {
  return usableLinkOrThrow(await repo.findClientRequestLink(db, hashCode(code)));
}

async function lockLinkOrThrow(trx: Tx, code: string) {
  return usableLinkOrThrow(await repo.lockClientRequestLink(trx, hashCode(code)));
}

function usableLinkOrThrow<L extends { used_at: Date | null; expires_at: Date }>(link: L | undefined): L {
  if (!link) throw new AppError('not_found', 'No such confirmation link');
  if (link.used_at) throw new AppError('link_used', 'This link was already used');
  if (link.expires_at <= new Date())
    throw new AppError('link_expired', 'This link has expired; ask the partner for a new one');
  return link;
}

/** The client confirms: the caller's own account must be the pinned client account (not the partner's). */
export async function confirmByClient(
  db: Tx,
  code: string,
  callerAccountId: number,
  vendorAccountId: number,
): Promise<repo.PinRow> {
  const link = await lockLinkOrThrow(db, code);
  const pin = await getPinForUpdateOrThrow(db, link.pin_id);
  if (Number(pin.client_account_id) !== callerAccountId) {
    throw new AppError(
      'not_client_account',
      'Open this link from the client amoCRM account the request is about',
    );
  }
  await repo.markClientRequestLinkUsed(db, link.code_hash);
  return recordClientRequest(db, pin.id, 'client_link', vendorAccountId);
}
