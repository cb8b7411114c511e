import { z } from 'zod';
import { renderInvoicePdf } from '../documents';
import { AppError } from '../errors';
import { ListQuery, pageById, pageOf } from '../http/pagination';
import { definePartnerRoute } from '../http/partner-route';
import { problemResponses } from '../http/errors';
import { defineRoute } from '../http/route';
import { findPartnerById } from '../partners/partner.service';
import { getActivePartnerOrThrow, getPartnerOrThrow, partnerInn } from '../partners/partner.service';
import { getVendorRequisites } from '../settings/settings.service';
import {
  InvoiceIdParams,
  InvoiceView,
  MarkPaidBody,
  NetInvoiceBody,
  PAYMENT_OPTIONS,
  PaymentOption,
} from './invoice';
import {
  createNetInvoice,
  findInvoice,
  invoiceDocument,
  listInvoices,
  payInvoice,
  toInvoiceView,
} from './invoice.service';

const InvoiceList = pageOf(InvoiceView);

export const invoiceRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/net-invoices',
    summary: "Partner: ask the vendor for a net invoice for a client sale (price minus the partner's reward)",
    tag: 'invoices',
    auth: 'account',
    body: NetInvoiceBody,
    responses: {
      201: {
        description: 'The invoice, and how it may be paid',
        schema: z.object({ invoice: InvoiceView, paymentOptions: z.array(PaymentOption) }),
      },
    },
    async handler({ db, caller, body, app, audit }) {
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      const invoice = await createNetInvoice(db, partner, body, app.config.programPreset);
      await audit(
        'invoice.net_requested',
        { type: 'invoice', id: invoice.id },
        { clientAccountId: body.clientAccountId, amountMinor: Number(invoice.amount_minor) },
      );
      return { status: 201, body: { invoice: toInvoiceView(invoice), paymentOptions: PAYMENT_OPTIONS } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/net-invoices/payment-options',
    summary:
      'How a net invoice may be paid, with the card warning (rule 15) — shown before the partner chooses',
    tag: 'invoices',
    auth: 'account',
    responses: { 200: { description: 'Options', schema: z.object({ items: z.array(PaymentOption) }) } },
    async handler() {
      return { status: 200, body: { items: PAYMENT_OPTIONS } };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/invoices',
    summary: "Partner: this partner's net and reward invoices, newest first",
    tag: 'invoices',
    query: ListQuery,
    responses: { 200: { description: 'Invoices', schema: InvoiceList } },
    async handler({ db, partner, query }) {
      const load = (beforeId?: string) => listInvoices(db, { partnerId: partner.id, beforeId }, query.limit);
      return { status: 200, body: await pageById(query, load, toInvoiceView) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/invoices/:id/pdf',
    summary: 'The invoice as a Russian PDF document (its partner, or a vendor admin)',
    tag: 'invoices',
    auth: 'widget',
    params: InvoiceIdParams,
    responses: { 200: { description: 'PDF', contentType: 'application/pdf' } },
    async handler({ db, caller, params, app }) {
      const invoice = await findInvoice(db, params.id);
      const isAdmin = caller.kind === 'staff' && caller.role === 'admin';
      if (!invoice) throw new AppError('not_found', 'No such invoice');
      if (!isAdmin) {
        const own = caller.kind === 'account' ? await getPartnerOrThrow(db, caller.accountId) : undefined;
        // Another partner's invoice is answered like a missing one.
        if (!own || own.id !== invoice.partner_id) throw new AppError('not_found', 'No such invoice');
      }
      const partner = (await findPartnerById(db, invoice.partner_id))!;
      // The document carries the whole ИНН, opened here from its sealed form for a person partner.
      const withInn = { ...partner, inn: partnerInn(partner, app.config.encryptionKey) };
      const pdf = await renderInvoicePdf(invoiceDocument(invoice, withInn, await getVendorRequisites(db)));
      return {
        status: 200,
        file: pdf,
        contentType: 'application/pdf',
        filename: `invoice-${invoice.id}.pdf`,
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/invoices',
    summary: 'Admin: invoices, filtered by status and kind',
    tag: 'admin',
    auth: 'admin',
    query: ListQuery.extend({
      status: z.enum(['issued', 'paid', 'cancelled']).optional(),
      kind: z.enum(['net', 'reward']).optional(),
    }),
    responses: { 200: { description: 'Invoices', schema: InvoiceList } },
    async handler({ db, query }) {
      const { status, kind } = query;
      const load = (beforeId?: string) => listInvoices(db, { status, kind, beforeId }, query.limit);
      return { status: 200, body: await pageById(query, load, toInvoiceView) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/invoices/:id/paid',
    summary: 'Admin: the invoice was paid → the ledger settles it',
    tag: 'admin',
    auth: 'admin',
    params: InvoiceIdParams,
    body: MarkPaidBody,
    responses: {
      200: { description: 'Paid', schema: InvoiceView },
      ...problemResponses({ conflict: 'Not an issued invoice' }),
    },
    async handler({ db, params, body, audit }) {
      const invoice = await payInvoice(db, params.id, { paidAt: new Date(body.paidAt), method: body.method });
      await audit(
        'invoice.paid',
        { type: 'invoice', id: invoice.id },
        { method: body.method, paidAt: body.paidAt },
      );
      return { status: 200, body: toInvoiceView(invoice) };
    },
  }),
];
