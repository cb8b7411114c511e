/**
 * Input types of the document renderers. Every renderer in this folder is a pure function:
 * plain data in, a Buffer (PDF) or a string (CSV) out — no database, no clock, no network.
 *
 * Money is integer kopecks (`bigint`, names end in `Minor`) next to a currency code; rates are
 * integer basis points (names end in `Bps`). Calendar dates are `YYYY-MM-DD` strings; a `Date`
 * (or a full ISO timestamp) is also accepted and read in Moscow time, where the documents are issued.
 */

/** The only currency the documents are issued in today; the field exists so it is never implied. */
export type Currency = 'RUB';

/** A calendar date `YYYY-MM-DD`, or an instant that is converted to its Moscow calendar date. */
export type DateInput = string | Date;

/** Partner kinds from DOMAIN.md; the vendor itself is a `legal_entity`. */
export type PartyKind = 'legal_entity' | 'sole_proprietor' | 'self_employed' | 'individual';

export interface BankDetails {
  /** БИК, 9 digits. */
  bik: string;
  /** Расчётный счёт, 20 digits. */
  account: string;
  /** Корреспондентский счёт, 20 digits. */
  correspondentAccount: string;
  bankName: string;
}

/** A seller or buyer as it is printed on a document. Requisites are printed as given, not re-validated. */
export interface Party {
  kind: PartyKind;
  /** ООО «Ромашка», ИП Иванов Иван Иванович, Петров Пётр Петрович… */
  name: string;
  /** ИНН: 10 digits for companies, 12 for ИП and individuals; an `individual` may have none. */
  inn?: string;
  /** КПП: companies only. */
  kpp?: string;
  /** ОГРН (13 digits) for companies, ОГРНИП (15 digits) for ИП. */
  ogrn?: string;
  address?: string;
  phone?: string;
  email?: string;
  bank?: BankDetails;
  /** Who signs for this party; without it the signature line names the position only. */
  signatory?: { position: string; name: string };
}

/**
 * `none`: the seller charges no VAT (self-employed, simplified tax system) — «Без НДС».
 * `vat20` / `vat22`: prices include VAT at that rate — «В том числе НДС 20 %: …».
 */
export type VatMode = 'none' | 'vat20' | 'vat22';

/** The two invoices of the program: the partner's reward invoice and the vendor's net invoice. */
export type InvoiceKind = 'reward' | 'net';

export interface InvoiceLine {
  /** Наименование товара, работы, услуги. */
  name: string;
  /** A positive whole number. */
  quantity: number;
  /** Единица измерения: «усл.», «шт.», «лиц.»… */
  unit: string;
  /** Price of one unit in kopecks, VAT included when the invoice charges VAT. */
  priceMinor: bigint;
}

export interface InvoiceDocument {
  /**
   * `reward`: partner → vendor for accrued `vendor_direct` rewards (exactly one line, see
   * REWARD_INVOICE_LINE_NAME). `net`: vendor → partner for a `partner_net` sale (price minus reward).
   */
  kind: InvoiceKind;
  number: string;
  issuedOn: DateInput;
  currency: Currency;
  /** Поставщик (Исполнитель): who is paid. */
  seller: Party;
  /** Покупатель (Заказчик): who pays. */
  buyer: Party;
  lines: InvoiceLine[];
  vatMode: VatMode;
  /** «Основание»: the contract, e.g. «Договор № П-12 от 1 ноября 2026 г.». */
  basis?: string;
  /** «Назначение платежа»; by default «Оплата по счёту № … от …» with the VAT wording. */
  paymentPurpose?: string;
  /** «Счёт действителен до …». */
  payUntil?: DateInput;
  /** Extra lines printed under the totals, e.g. the warning that card payments bring no closing documents. */
  notes?: string[];
}

/** Channels of a client payment (DOMAIN.md). */
export type PaymentChannel = 'vendor_direct' | 'partner_net';

export interface StatementRow {
  /**
   * `refund` rows are shown and summed as negative amounts. `rebate` (seed 004's rebates and growth rebate of a
   * period) and `bounty` (a publication's bonus) are rewards of the partner's own, with no client payment.
   */
  kind: 'payment' | 'refund' | 'rebate' | 'bounty';
  date: DateInput;
  /** The billing system's id of the client payment (for a refund: of the refunded payment); a rebate's or bounty's id. */
  paymentId: string;
  /** The paying client; absent for a rebate or a bounty. */
  clientAccountId?: number;
  clientName?: string;
  /** How the client paid; absent for a rebate or a bounty. */
  channel?: PaymentChannel;
  /** What the client paid (or what was refunded): a non-negative magnitude, the sign comes from `kind`; 0 for a rebate or bounty. */
  grossMinor: bigint;
  rateBps: number;
  /** The commission (or its reversal): a non-negative magnitude, the sign comes from `kind`. */
  commissionMinor: bigint;
  /** Whether the vendor pays this reward out (`vendor_direct` to a partner with a signed contract). */
  payable: boolean;
  /** Why it is not payable: a reason code (`no_contract`, `individual_partner`, …) or Russian text. */
  reason?: string;
  /** How the reward (or its reversal) was worked out, in words: «Правило: 10 000 ₽ × 30 % = 3 000 ₽». */
  calculation?: string;
}

export interface StatementDocument {
  /** The statement's own number, if the caller numbers them. */
  number?: string;
  partner: {
    name: string;
    accountId: number;
    kind?: PartyKind;
    inn?: string;
  };
  vendorName: string;
  /** Inclusive calendar dates; a whole calendar month is titled «за ноябрь 2026 г.». */
  periodFrom: DateInput;
  periodTo: DateInput;
  /** When the statement was made; also the PDF creation date, so equal input gives equal bytes. */
  generatedAt: DateInput;
  currency: Currency;
  rows: StatementRow[];
  /** The partner program in force at the period's end, in its own wording: its title and its terms. */
  program?: { title: string; terms: string[] };
  /** Balance movement of payable rewards over the period, printed when given. */
  balance?: {
    openingMinor: bigint;
    paidOutMinor: bigint;
    closingMinor: bigint;
  };
}

export interface CertificateDocument {
  partnerName: string;
  certificateCode: string;
  issuedAt: DateInput;
  validUntil?: DateInput;
  /** The public page that confirms the certificate, printed in full and clickable. */
  verifyUrl: string;
  vendorName: string;
}
