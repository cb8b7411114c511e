import type { Tx } from '../db/pool';
import { netInvoiceFor } from '../commissions/commission.rules';
import type { InvoiceDocument, Party } from '../documents';
import { CARD_PAYMENT_NOTICE, formatRub, rewardInvoiceLine } from '../documents';
import { AppError } from '../errors';
import { createId } from '../ids';
import { invoicePaid, netInvoiceIssued, rewardInvoiced } from '../ledger/postings';
import { PARTNER_SLOT, post, postPairs, slottedSides } from '../ledger/ledger.service';
import type { PartnerRow } from '../partners/partner.service';
import { findHoldingPin } from '../pins/pin.service';
import type { PartyRequisites } from '../settings/settings';
import { getPriceList } from '../settings/settings.service';
import { DEFAULT_PRESET, type PresetName } from '../programs/program';
import { evaluateAttributedPayment } from '../programs/program.service';
import type { InvoiceView } from './invoice';
import * as repo from './invoice.repository';
import type { InvoiceRow } from './invoice.repository';

/**
 * The one home of an invoice's life: a net invoice issued to a partner (rule 15), a payout run's reward
 * invoices (rule 14), and an invoice paid — each with its ledger posting in the same transaction.
 */

export type { InvoiceRow };
export { findInvoice, listInvoices } from './invoice.repository';

export function toInvoiceView(row: InvoiceRow): InvoiceView {
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    partnerId: row.partner_id,
    status: row.status,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    issuedAt: row.issued_at.toISOString(),
    paidAt: row.paid_at?.toISOString() ?? null,
    paymentMethod: row.payment_method,
    clientAccountId: row.client_account_id === null ? null : Number(row.client_account_id),
    productCode: row.product_code,
    grossMinor: row.gross_minor === null ? null : Number(row.gross_minor),
    rewardMinor: row.reward_minor === null ? null : Number(row.reward_minor),
    pdfUrl: `/api/v1/invoices/${row.id}/pdf`,
  };
}

/**
 * Rule 15: the partner sold at the full price and asks the vendor for an invoice net of its reward. The
 * client must be held by this partner: pinned, attributed, or waiting for its own request — in the last case
 * the billing payment of this invoice attributes the client to the partner (see payment.service). The
 * receivable is posted at once.
 */
export async function createNetInvoice(
  db: Tx,
  partner: PartnerRow,
  input: { clientAccountId: number; productCode: string; grossMinor?: number },
  preset: PresetName = DEFAULT_PRESET,
): Promise<InvoiceRow> {
  const pin = await findHoldingPin(db, input.clientAccountId);
  if (!pin || pin.partner_id !== partner.id) {
    throw new AppError('unprocessable', 'This client is not pinned to you; pin it first', [
      { path: 'clientAccountId', message: 'not your client' },
    ]);
  }
  let gross = input.grossMinor;
  if (gross === undefined) {
    gross = (await getPriceList(db)).get(input.productCode);
    if (gross === undefined)
      throw new AppError('validation_failed', 'Unknown product', [
        { path: 'productCode', message: 'not in the price list; give grossMinor' },
      ]);
  }
  const now = new Date();
  // The reward is what the program in force would give this partner_net sale, as the payment will.
  const evaluation = await evaluateAttributedPayment(db, {
    partnerId: partner.id,
    attribution: { via: 'pin', since: pin.valid_from ?? now },
    clientAccountId: input.clientAccountId,
    grossMinor: BigInt(gross),
    channel: 'partner_net',
    paidAt: now,
    productCode: input.productCode,
    preset,
  });
  const rewards = evaluation.lines.filter((line) => line.partnerId === partner.id);
  const { rewardMinor, amountMinor } = netInvoiceFor(BigInt(gross), rewards);
  if (amountMinor <= 0n) throw new AppError('unprocessable', 'Nothing to invoice at this rate');
  const invoice = await repo.insertInvoice(db, {
    id: createId('inv'),
    number: await repo.nextInvoiceNumber(db, 'net', now),
    kind: 'net',
    partner_id: partner.id,
    status: 'issued',
    amount_minor: amountMinor,
    currency: 'RUB',
    issued_at: now,
    client_account_id: BigInt(input.clientAccountId),
    product_code: input.productCode,
    gross_minor: BigInt(gross),
    reward_minor: rewardMinor,
  });
  await post(
    db,
    netInvoiceIssued({
      invoiceId: invoice.id,
      partnerId: partner.id,
      clientAccountId: input.clientAccountId,
      amountMinor,
      currency: 'RUB',
      at: now,
    }),
  );
  return invoice;
}

/**
 * Rule 14: a payout run's reward invoices — the partner's invoices to the vendor for its payable balance — for
 * one page of partners, in one statement that reads the page and invoices it in the database. The run posts them
 * all at the end (`postRewardInvoices`).
 */
export async function issueRewardInvoices(
  trx: Tx,
  run: repo.RewardInvoiceRun,
  due: repo.DueRewards,
): ReturnType<typeof repo.insertRewardInvoicesFrom> {
  return repo.insertRewardInvoicesFrom(trx, run, due);
}

/**
 * The postings of a payout run's reward invoices (`rewardInvoiced` for each), through the ledger's set-based
 * writer, so that no row per partner comes into Node: the recipe, called once with the ledger's `PARTNER_SLOT`,
 * names the accounts, and the database fills in each invoice's partner, amount and ids.
 */
export async function postRewardInvoices(trx: Tx, runId: string): Promise<void> {
  const shape = rewardInvoiced({
    payoutRunId: runId,
    invoiceId: PARTNER_SLOT,
    partnerId: PARTNER_SLOT,
    amountMinor: 1n,
    currency: 'RUB',
    at: new Date(0),
  });
  await postPairs(trx, repo.rewardInvoicePairs(runId, { kind: shape.kind, ...slottedSides(shape) }));
}

/**
 * A partner blocked without payout (seed 000): its reward invoices not yet paid are cancelled, so finance cannot
 * pay them later. The caller posts the forfeit of their amounts in the same transaction.
 */
export async function cancelUnpaidRewardInvoices(
  trx: Tx,
  partnerId: string,
): Promise<Array<{ id: string; amountMinor: bigint; currency: string }>> {
  const rows = await repo.cancelIssuedRewardInvoices(trx, partnerId);
  return rows.map((r) => ({ id: r.id, amountMinor: r.amount_minor, currency: r.currency.trim() }));
}

/** Settles an issued invoice in the ledger; guarded so an invoice is paid once (undefined if it was not issued). */
export async function markInvoicePaid(
  trx: Tx,
  invoiceId: string,
  payment: { paidAt: Date; method: 'bank' | 'card' },
): Promise<InvoiceRow | undefined> {
  const invoice = await repo.setInvoicePaid(trx, invoiceId, payment);
  if (!invoice) return undefined;
  await post(
    trx,
    invoicePaid({
      invoiceId: invoice.id,
      invoiceKind: invoice.kind,
      partnerId: invoice.partner_id,
      method: payment.method,
      amountMinor: invoice.amount_minor,
      currency: invoice.currency,
      at: payment.paidAt,
    }),
  );
  return invoice;
}

/** An admin records an invoice paid: 404 for no such invoice, 409 unless it is issued. */
export async function payInvoice(
  trx: Tx,
  invoiceId: string,
  payment: { paidAt: Date; method: 'bank' | 'card' },
): Promise<InvoiceRow> {
  const current = await repo.lockInvoice(trx, invoiceId);
  if (!current) throw new AppError('not_found', 'No such invoice');
  if (current.status !== 'issued') throw new AppError('conflict', `The invoice is ${current.status}`);
  return (await markInvoicePaid(trx, invoiceId, payment))!;
}

/** The net invoice a billing payment names, locked, and checked to be this client's (422 otherwise). */
export async function lockNetInvoiceForClient(
  trx: Tx,
  invoiceId: string,
  clientAccountId: number,
): Promise<InvoiceRow> {
  const invoice = await repo.lockInvoice(trx, invoiceId);
  if (!invoice || invoice.kind !== 'net' || Number(invoice.client_account_id) !== clientAccountId) {
    throw new AppError('unprocessable', 'netInvoiceId does not name a net invoice for this client');
  }
  return invoice;
}

function partnerParty(p: PartnerRow): Party {
  return {
    kind: p.kind,
    name: p.name,
    inn: p.inn ?? undefined,
    kpp: p.kpp ?? undefined,
    ogrn: p.ogrn ?? undefined,
    bank: p.bank ?? undefined,
    email: p.contacts.email,
    phone: p.contacts.phone,
  };
}

function vendorParty(v: PartyRequisites): Party {
  return {
    kind: v.kind,
    name: v.name,
    inn: v.inn,
    kpp: v.kpp,
    ogrn: v.ogrn,
    address: v.address,
    bank: v.bank,
  };
}

/**
 * The printable invoice. A reward invoice is the partner's invoice to the vendor (the partner is the
 * seller; this system prepares it on the partner's behalf); a net invoice is the vendor's to the partner.
 */
export function invoiceDocument(
  invoice: InvoiceRow,
  partner: PartnerRow,
  vendor: PartyRequisites,
): InvoiceDocument {
  const contract =
    partner.contract_number && partner.contract_signed_at
      ? `Договор № ${partner.contract_number}`
      : undefined;
  if (invoice.kind === 'reward') {
    return {
      kind: 'reward',
      number: invoice.number,
      issuedOn: invoice.issued_at,
      currency: 'RUB',
      seller: partnerParty(partner),
      buyer: vendorParty(vendor),
      lines: [rewardInvoiceLine(invoice.amount_minor)],
      // Self-employed and simplified-tax partners charge no VAT; the program assumes none for partners.
      vatMode: 'none',
      basis: contract,
    };
  }
  return {
    kind: 'net',
    number: invoice.number,
    issuedOn: invoice.issued_at,
    currency: 'RUB',
    seller: vendorParty(vendor),
    buyer: partnerParty(partner),
    lines: [
      {
        name: `Лицензия «${invoice.product_code}» для аккаунта amoCRM № ${invoice.client_account_id} (цена ${formatRub(invoice.gross_minor ?? 0n)} за вычетом партнёрского вознаграждения)`,
        quantity: 1,
        unit: 'лиц.',
        priceMinor: invoice.amount_minor,
      },
    ],
    vatMode: vendor.vatMode,
    basis: contract,
    notes: [CARD_PAYMENT_NOTICE],
  };
}
