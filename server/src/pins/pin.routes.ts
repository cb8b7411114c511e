import { z } from 'zod';
import type { Tx } from '../db/pool';
import type { PartnerContacts } from '../db/schema';
import { AppError } from '../errors';
import { ListQuery, pageById, pageOf } from '../http/pagination';
import { definePartnerRoute } from '../http/partner-route';
import { problemResponses } from '../http/errors';
import { defineRoute } from '../http/route';
import { escapeHtml, publicPage } from '../http/html';
import { PROGRAM_TIME_ZONE } from '../instants';
import {
  findPartnerByAccountId,
  findPartnerById,
  getActivePartnerOrThrow,
} from '../partners/partner.service';
import {
  AccountIdParam,
  AdminPinView,
  ClientRequestBody,
  ClientRequestView,
  ConfirmationCodeParams,
  ConfirmationLinkView,
  CreatePinBody,
  KnownAccountsBody,
  PartnerPinView,
  PIN_STATUSES,
  PinEventView,
  PinIdParams,
  PinView,
  ReasonBody,
  StaffClientView,
  TransferBody,
} from './pin';
import * as repo from './pin.repository';
import { staffView, type VendorKnowledge } from './pin.rules';
import * as service from './pin.service';

const tag = 'pins';
const PinList = pageOf(PartnerPinView);
const PinListQuery = ListQuery.extend({ status: z.enum(PIN_STATUSES).optional() });
const AdminPinListQuery = PinListQuery.extend({ clientAccountId: AccountIdParam.optional() });
const PinWithHistory = PinView.extend({ history: z.array(PinEventView) });

async function history(db: Parameters<typeof repo.listPinEvents>[0], pinId: string) {
  const events = await repo.listPinEvents(db, pinId);
  return events.map((e) => ({ at: e.at.toISOString(), event: e.event, details: e.details }));
}

function publicPartner(p: { id: string; name: string; contacts: PartnerContacts }) {
  return { id: p.id, name: p.name, contacts: p.contacts };
}

export const pinRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/pins',
    summary: 'Pin a client account before installing a widget there; the outcome comes at once',
    tag,
    auth: 'account',
    body: CreatePinBody,
    responses: {
      201: { description: 'New pin (pinned, pending or rejected with a reason)', schema: PinView },
      200: { description: 'This partner already holds the account: its pin', schema: PinView },
    },
    // The known-customer check may ask the vendor's amoCRM: done before the transaction takes a
    // connection, so ten pins of one client at once cannot starve the check of its own (issue 12.11).
    // Only for an active partner: nobody else makes us ask amoCRM.
    async prepare({ body, caller, app }) {
      const partner = await findPartnerByAccountId(app.db, caller.accountId);
      if (!partner || partner.status === 'blocked') return undefined;
      return service.prepareVendorKnowledge(app.db, body.clientAccountId, app.vendorCrm);
    },
    async handler({ db, caller, body, app, audit, prepared }) {
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      const { pin, created } = await service.createPin(db, partner, body, {
        vendorAccountId: app.config.vendorAccountId,
        vendorCrm: app.vendorCrm,
        knowledge: prepared as VendorKnowledge | undefined,
      });
      if (created)
        await audit(
          'pin.created',
          { type: 'pin', id: pin.id },
          { clientAccountId: body.clientAccountId, status: pin.status, reason: pin.reason },
        );
      return { status: created ? 201 : 200, body: service.toPinView(pin) };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/pins',
    summary: "This partner's clients with their pin status",
    tag,
    query: PinListQuery,
    responses: { 200: { description: 'Pins, newest first', schema: PinList } },
    async handler({ db, partner, query }) {
      const statuses = query.status ? [query.status] : undefined;
      const load = (afterId?: string) =>
        repo.listPins(db, { partnerId: partner.id, limit: query.limit + 1, afterId, statuses });
      const pins = await pageById(query, load, (r) => r);
      const summary = await repo.clientPaymentSummary(
        db,
        pins.items.map((r) => r.client_account_id),
      );
      const withPayments = (r: repo.PinRow) => {
        const s = summary.get(String(r.client_account_id));
        return {
          ...service.toPinView(r),
          products: s?.products ?? [],
          paidUntil: s?.paidUntil?.toISOString() ?? null,
        };
      };
      return { status: 200, body: { ...pins, items: pins.items.map(withPayments) } };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/pins/:id',
    summary: 'One of this partner’s pins with its history',
    tag,
    params: PinIdParams,
    responses: { 200: { description: 'Pin', schema: PinWithHistory } },
    async handler({ db, partner, params }) {
      const pin = await repo.findPin(db, params.id);
      // Another partner's pin is answered exactly like a missing one: its existence is not ours to reveal.
      if (!pin || pin.partner_id !== partner.id) throw new AppError('not_found', 'No such pin');
      return { status: 200, body: { ...service.toPinView(pin), history: await history(db, pin.id) } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/pins/:id/confirmation-link',
    summary: 'A single-use link (7 days) for the client to confirm its request from its own amoCRM account',
    tag,
    auth: 'account',
    params: PinIdParams,
    responses: {
      201: { description: 'Link', schema: ConfirmationLinkView },
    },
    async handler({ db, caller, params, app, audit }) {
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      const link = await service.createConfirmationLink(db, partner, params.id, app.config.publicUrl);
      await audit('pin.confirmation_link_created', { type: 'pin', id: params.id });
      return { status: 201, body: link };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/client-requests/:code',
    summary: 'Client: what this confirmation link asks (which partner, which account)',
    tag,
    auth: 'account',
    params: ConfirmationCodeParams,
    responses: {
      200: { description: 'Request', schema: ClientRequestView },
    },
    async handler({ db, params }) {
      const link = await service.findLinkOrThrow(db, params.code);
      const pin = (await repo.findPin(db, link.pin_id))!;
      const partner = (await findPartnerById(db, pin.partner_id))!;
      return {
        status: 200,
        body: {
          pinId: pin.id,
          clientAccountId: Number(pin.client_account_id),
          partner: { name: partner.name },
          expiresAt: link.expires_at.toISOString(),
        },
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/client-requests/:code/confirm',
    summary: "Client: confirm, from the client's own amoCRM account, that it wants to work with the partner",
    tag,
    auth: 'account',
    params: ConfirmationCodeParams,
    responses: {
      200: { description: 'The pin, now pinned', schema: PinView },
      ...problemResponses('not_client_account', 'link_used', 'link_expired'),
    },
    async handler({ db, caller, params, app, audit }) {
      const pin = await service.confirmByClient(
        db,
        params.code,
        caller.accountId,
        app.config.vendorAccountId,
      );
      await audit('pin.client_request', { type: 'pin', id: pin.id }, { source: 'client_link' });
      return { status: 200, body: service.toPinView(pin) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/staff/clients/:accountId',
    summary: 'Sales check and support routing: is this client pinned, to whom, may sales contact it',
    tag: 'staff',
    auth: 'staff',
    params: z.strictObject({ accountId: AccountIdParam }),
    responses: {
      200: { description: 'Client view (pin: null for an unknown account)', schema: StaffClientView },
    },
    async handler({ db, params }) {
      // The hot path of the sales check: one indexed query for the pin and its partner together.
      const row = await repo.findHoldingPinWithPartner(db, params.accountId);
      const pin = row?.pin;
      const partner = row?.partner;
      const view = staffView(pin ?? null);
      return {
        status: 200,
        body: {
          clientAccountId: params.accountId,
          pin:
            pin && partner
              ? {
                  id: pin.id,
                  partner: publicPartner(partner),
                  status: pin.status,
                  exclusive: pin.exclusive,
                  since: pin.valid_from?.toISOString() ?? null,
                }
              : null,
          salesMayContact: view.salesMayContact,
          supportRouteTo: view.routeToPartner && partner ? publicPartner(partner) : null,
        },
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/known-accounts',
    summary: 'Billing: accounts the vendor already serves (existing customers, installs); idempotent',
    tag: 'billing',
    auth: 'billing',
    body: KnownAccountsBody,
    responses: {
      200: { description: 'Counts', schema: z.object({ added: z.number(), alreadyKnown: z.number() }) },
    },
    async handler({ db, body, audit }) {
      const unique = new Set(body.accountIds).size;
      const added = await repo.addKnownAccounts(db, body.accountIds, body.source ?? 'billing');
      if (added)
        await audit(
          'known_accounts.added',
          { type: 'known_accounts', id: 'bulk' },
          { added, source: body.source ?? 'billing' },
        );
      return { status: 200, body: { added, alreadyKnown: unique - added } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/pins',
    summary: 'Admin: pins, filtered by status or client account',
    tag: 'admin',
    auth: 'admin',
    query: AdminPinListQuery,
    responses: { 200: { description: 'Pins', schema: pageOf(AdminPinView) } },
    async handler({ db, query }) {
      const load = (afterId?: string) =>
        repo.listPins(db, {
          limit: query.limit + 1,
          afterId,
          statuses: query.status ? [query.status] : undefined,
          clientAccountId: query.clientAccountId,
        });
      const toView = (r: repo.PinRow) => ({ ...service.toPinView(r), partnerId: r.partner_id });
      return { status: 200, body: await pageById(query, load, toView) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/pins/:id',
    summary: 'Admin: a pin with its history',
    tag: 'admin',
    auth: 'admin',
    params: PinIdParams,
    responses: { 200: { description: 'Pin', schema: PinWithHistory.extend({ partnerId: z.string() }) } },
    async handler({ db, params }) {
      const pin = await repo.findPin(db, params.id);
      if (!pin) throw new AppError('not_found', 'No such pin');
      return {
        status: 200,
        body: { ...service.toPinView(pin), partnerId: pin.partner_id, history: await history(db, pin.id) },
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/pins/:id/client-request',
    summary: "Admin: the client's own request was received → a waiting pin becomes pinned",
    tag: 'admin',
    auth: 'admin',
    params: PinIdParams,
    body: ClientRequestBody,
    responses: { 200: { description: 'Pinned', schema: PinView } },
    async handler({ db, params, body, app, audit }) {
      const pin = await service.recordClientRequest(
        db,
        params.id,
        'admin',
        app.config.vendorAccountId,
        body.note,
      );
      await audit('pin.client_request', { type: 'pin', id: pin.id }, { source: 'admin', note: body.note });
      return { status: 200, body: service.toPinView(pin) };
    },
  }),

  adminPinDecision({
    action: 'attribute',
    summary: 'Admin: non-exclusive attribution — the partner earns, sales may contact the client',
    done: 'Attributed',
    audited: 'pin.attributed',
    apply: service.attributePin,
  }),
  adminPinDecision({
    action: 'release',
    summary: 'Admin: release a pin (the client is free again); history is kept',
    done: 'Released',
    audited: 'pin.released',
    apply: service.releasePin,
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/pins/:id/transfer',
    summary: "Admin: move a client to another partner on the client's request",
    tag: 'admin',
    auth: 'admin',
    params: PinIdParams,
    body: TransferBody,
    responses: { 200: { description: 'Old and new pin', schema: z.object({ from: PinView, to: PinView }) } },
    async handler({ db, params, body, app, audit }) {
      const { from, to } = await service.transferPin(
        db,
        params.id,
        {
          toPartnerId: body.toPartnerId,
          reason: body.reason,
          clientRequest: {
            receivedAt: new Date(body.clientRequest.receivedAt),
            note: body.clientRequest.note,
          },
        },
        app.config.vendorAccountId,
      );
      await audit(
        'pin.transferred',
        { type: 'pin', id: from.id },
        { toPinId: to.id, toPartnerId: body.toPartnerId, reason: body.reason },
      );
      return { status: 200, body: { from: service.toPinView(from), to: service.toPinView(to) } };
    },
  }),
];

/**
 * The page a client lands on from the partner's link. Confirming needs the client's own amoCRM identity,
 * so the page explains how to confirm inside amoCRM (the widget's confirmation screen takes the code).
 */
export const confirmPageRoute = defineRoute({
  method: 'get',
  path: '/confirm/:code',
  summary: 'Public page for a client-request link: who asks and how to confirm from amoCRM',
  tag: 'public',
  auth: 'public',
  params: ConfirmationCodeParams,
  responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  async handler({ db, params }) {
    let body: string;
    try {
      const link = await service.findLinkOrThrow(db, params.code);
      const pin = (await repo.findPin(db, link.pin_id))!;
      const partner = (await findPartnerById(db, pin.partner_id))!;
      body = `<h1>Подтверждение работы с партнёром</h1>
<p>Партнёр <b>${escapeHtml(partner.name)}</b> просит закрепить за собой ваш аккаунт amoCRM № ${Number(pin.client_account_id)}.</p>
<p>Чтобы подтвердить, откройте ваш аккаунт amoCRM, в разделе «Настройки → Интеграции» откройте виджет партнёрской программы и введите код подтверждения:</p>
<p><code style="font-size:1.2em">${escapeHtml(params.code)}</code></p>
<p>Код действует до ${link.expires_at.toLocaleString('ru-RU', { timeZone: PROGRAM_TIME_ZONE })} (МСК) и используется один раз.</p>`;
    } catch (error) {
      const code = (error as { code?: string }).code;
      body = `<h1>Ссылка недействительна</h1><p>${code === 'link_expired' ? 'Срок действия ссылки истёк.' : code === 'link_used' ? 'Запрос уже подтверждён.' : 'Такой ссылки нет.'} Попросите партнёра прислать новую.</p>`;
    }
    return {
      status: 200,
      html: publicPage('Подтверждение', body),
    };
  },
});

/**
 * An admin's decision on one pin that takes only a reason (attribute, release): the same route shape,
 * with the service's transition and the audit action it leaves.
 */
function adminPinDecision(spec: {
  action: string;
  summary: string;
  done: string;
  audited: string;
  apply: (trx: Tx, pinId: string, vendorAccountId: number, reason: string) => Promise<repo.PinRow>;
}) {
  return defineRoute({
    method: 'post',
    path: `/api/v1/admin/pins/:id/${spec.action}`,
    summary: spec.summary,
    tag: 'admin',
    auth: 'admin',
    params: PinIdParams,
    body: ReasonBody,
    responses: { 200: { description: spec.done, schema: PinView } },
    async handler({ db, params, body, app, audit }) {
      const pin = await spec.apply(db, params.id, app.config.vendorAccountId, body.reason);
      await audit(spec.audited, { type: 'pin', id: pin.id }, { reason: body.reason });
      return { status: 200, body: service.toPinView(pin) };
    },
  });
}
