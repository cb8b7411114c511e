import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/pool';
import type { InvoicesTable } from '../db/schema';
import { netInvoiceFor } from '../commissions/commission.rules';
import type { InvoiceDocument, Party } from '../documents';
import { CARD_PAYMENT_NOTICE, formatRub, rewardInvoiceLine } from '../documents';
import { AppError } from '../errors';
import { createId } from '../ids';
import { netInvoiceIssued } from '../ledger/postings';
import { post } from '../ledger/ledger.service';
import type { PartnerRow } from '../partners/partner.repository';
import { findHoldingPin } from '../pins/pin.repository';
import type { PartyRequisites } from '../settings/settings';
import { getPriceList, rateOn } from '../settings/settings.repository';
import type { InvoiceView } from './invoice';

export type InvoiceRow = Selectable<InvoicesTable>;

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
 * Invoice numbers: one sequence, a prefix per kind and the year, e.g. «НС-2026-000042». A SQL expression so
 * that one invoice (`nextInvoiceNumber`) and a whole payout run's (`INSERT … SELECT`) are numbered alike.
 */
export function invoiceNumberSql(kind: 'net' | 'reward', at: Date) {
  const prefix = kind === 'net' ? 'НС' : 'ВП';
  return sql<string>`${prefix + '-' + at.getUTCFullYear() + '-'} || lpad(nextval('invoice_numbers')::text, 6, '0')`;
}

export async function nextInvoiceNumber(db: Db, kind: 'net' | 'reward', at: Date): Promise<string> {
  const { rows } = await sql<{ number: string }>`SELECT ${invoiceNumberSql(kind, at)} AS number`.execute(db);
  return rows[0]!.number;
}

/**
 * Rule 15: the partner sold at the full price and asks the vendor for an invoice net of its reward. The
 * client must be held by this partner: pinned, attributed, or waiting for its own request — in the last case
 * the billing payment of this invoice attributes the client to the partner (see payment.service). The
 * receivable is posted at once.
 */
export async function createNetInvoice(
  db: Db,
  partner: PartnerRow,
  input: { clientAccountId: number; productCode: string; grossMinor?: number },
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
  const rateBps = await rateOn(db, partner.id, 'partner_net', now);
  const { rewardMinor, amountMinor } = netInvoiceFor(BigInt(gross), rateBps);
  if (amountMinor <= 0n) throw new AppError('unprocessable', 'Nothing to invoice at this rate');
  const invoice = await db
    .insertInto('invoices')
    .values({
      id: createId('inv'),
      number: await nextInvoiceNumber(db, 'net', now),
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
    })
    .returningAll()
    .executeTakeFirstOrThrow();
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
