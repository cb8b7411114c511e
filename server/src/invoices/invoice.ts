import { z } from 'zod';
import { PastInstant } from '../instants';
import { AccountId } from '../pins/pin';
import { idOf } from '../ids';

export const InvoiceView = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(['net', 'reward']),
  partnerId: z.string(),
  status: z.enum(['issued', 'paid', 'cancelled']),
  amountMinor: z.number(),
  currency: z.string(),
  issuedAt: z.string(),
  paidAt: z.string().nullable(),
  paymentMethod: z.enum(['bank', 'card']).nullable(),
  clientAccountId: z.number().nullable(),
  productCode: z.string().nullable(),
  grossMinor: z.number().nullable(),
  rewardMinor: z.number().nullable(),
  pdfUrl: z.string(),
});
export type InvoiceView = z.infer<typeof InvoiceView>;

export const InvoiceIdParams = z.strictObject({
  id: idOf('inv'),
});

export const NetInvoiceBody = z.strictObject({
  clientAccountId: AccountId,
  productCode: z.string().trim().min(1).max(100),
  /** The price the partner charged its client; the price list's price when omitted. */
  grossMinor: z.number().int().positive().max(1e13).optional(),
});

/** Rule 15, said before the partner chooses how to pay: card gives only a receipt, no closing documents. */
export const PAYMENT_OPTIONS = [
  {
    method: 'bank',
    closingDocuments: true,
    note: {
      ru: 'Оплата по счёту с расчётного счёта: закрывающие документы предоставляются.',
      en: 'Bank transfer: closing documents are provided.',
    },
  },
  {
    method: 'card',
    closingDocuments: false,
    note: {
      ru: 'Оплата картой через интернет-эквайринг: вы получите только онлайн-чек, закрывающих документов для юридического лица не будет.',
      en: 'Card payment (online acquiring): you get an online receipt only, no closing documents for a legal entity.',
    },
  },
] as const;

export const PaymentOption = z.object({
  method: z.enum(['bank', 'card']),
  closingDocuments: z.boolean(),
  note: z.object({ ru: z.string(), en: z.string() }),
});

export const MarkPaidBody = z.strictObject({
  paidAt: PastInstant,
  method: z.enum(['bank', 'card']),
});
