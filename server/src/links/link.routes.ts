import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import { recordedResponses } from '../http/recorded';
import { escapeHtml, publicPage } from '../http/html';
import { presetOf } from '../programs/program.presets';
import { getActivePartnerOrThrow } from '../partners/partner.service';
import { CreateLinkBody, LinkCodeParams, LinkListOut, LinkOut } from './link';
import * as repo from './link.repository';
import type { LinkRow } from './link.repository';
import {
  click,
  findPromoCodeOf,
  linkUrl,
  newLinkCode,
  newVisitorId,
  promoCodeFor,
  visitorCookie,
  visitorFromCookie,
} from './link.service';

function linkOut(publicUrl: string, link: LinkRow) {
  return {
    code: link.code,
    url: linkUrl(publicUrl, link.code),
    productCode: link.product_code,
    createdAt: link.created_at.toISOString(),
  };
}

function notFoundPage(text: string): string {
  return publicPage('Ссылка не найдена', `<h1>Ссылка не найдена</h1><p>${escapeHtml(text)}</p>`);
}

export const linkRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/links',
    summary: 'Partner: its link for a product (or its general link), created on first request',
    tag: 'links',
    auth: 'account',
    body: CreateLinkBody,
    responses: {
      ...recordedResponses(LinkOut, {
        created: 'The link was created',
        existing: 'The partner already had this link',
      }),
    },
    async handler({ db, body, caller, app, audit }) {
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      const { link, created } = await repo.findOrCreateLink(db, {
        code: newLinkCode(),
        partnerId: partner.id,
        productCode: body.productCode ?? null,
      });
      if (created)
        await audit('link.created', { type: 'link', id: link.code }, { productCode: link.product_code });
      // The personal promo code comes with the first link: the same partner, typed instead of clicked.
      const promo = await promoCodeFor(db, partner.id);
      if (promo.created) await audit('promo_code.created', { type: 'promo_code', id: promo.code });
      return {
        status: created ? 201 : 200,
        body: { ...linkOut(app.config.publicUrl, link), promoCode: promo.code },
      };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/links',
    summary: 'Partner: its links with their click and visitor counts',
    tag: 'links',
    responses: { 200: { description: 'Links', schema: LinkListOut } },
    async handler({ db, partner, app }) {
      const links = await repo.listLinksWithCounts(db, partner.id);
      return {
        status: 200,
        body: {
          promoCode: await findPromoCodeOf(db, partner.id),
          items: links.map((l) => ({
            ...linkOut(app.config.publicUrl, l),
            clicks: l.clicks,
            visitors: l.visitors,
          })),
        },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/r/:code',
    summary:
      'Public: a visit through a partner link; records the click and redirects to the landing with amop_visitor',
    tag: 'public',
    auth: 'public',
    hot: true,
    params: LinkCodeParams,
    responses: {
      302: { description: 'To the landing page of the program, with the amop_visitor cookie and parameter' },
      404: { description: 'Unknown link, or the program does not use links', contentType: 'text/html' },
    },
    async handler({ db, params, req, app }) {
      const existing = visitorFromCookie(req.get('cookie'));
      const visitorId = existing ?? newVisitorId();
      const outcome = await click(db, {
        code: params.code,
        visitorId,
        at: new Date(),
        preset: presetOf(app),
      });
      if (outcome.kind === 'unknown_link')
        return { status: 404, html: notFoundPage('Такой партнёрской ссылки нет. Проверьте адрес.') };
      if (outcome.kind === 'links_not_in_program')
        return {
          status: 404,
          html: notFoundPage('Партнёрская программа сейчас не работает по ссылкам.'),
        };
      return {
        status: 302,
        redirect: outcome.location,
        headers: {
          'Set-Cookie': visitorCookie(visitorId, app.config.publicUrl.startsWith('https:')),
          // Every visit must reach us to be counted: no cache may answer it.
          'Cache-Control': 'no-store',
        },
      };
    },
  }),
];
