import { z } from 'zod';
import { renderCertificatePdf, renderStatementCsv, renderStatementPdf } from '../documents';
import { partnerStatement } from '../commissions/payment.service';
import { AppError } from '../errors';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import { escapeHtml, publicPage } from '../http/html';
import { PROGRAM_TIME_ZONE } from '../instants';
import { findPartnerById } from '../partners/partner.service';
import { getActivePartnerOrThrow, partnerInn } from '../partners/partner.service';
import { presetOf } from '../programs/program.presets';
import { getVendorRequisites } from '../settings/settings.service';
import { ensureCertificate, findCertificateByCode } from './certificate.repository';

/** Rule 6: a partner certificate anyone can verify through a public link; documents for the partner. */
export const documentRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/certificate',
    summary: 'Partner: the partner certificate (PDF) with its public verification link',
    tag: 'documents',
    auth: 'account',
    responses: { 200: { description: 'PDF', contentType: 'application/pdf' } },
    async handler({ db, caller, app }) {
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      if (partner.status !== 'active')
        throw new AppError(
          'conflict',
          'The certificate is issued once the partner is active (contract signed)',
        );
      const cert = await ensureCertificate(db, partner.id);
      const vendor = await getVendorRequisites(db);
      const verifyUrl = `${app.config.publicUrl}/verify/${cert.code}`;
      const pdf = await renderCertificatePdf({
        partnerName: partner.name,
        certificateCode: cert.code,
        issuedAt: cert.issued_at,
        verifyUrl,
        vendorName: vendor.name,
      });
      // The widget shows the public link next to the PDF; browsers see the header through CORS exposedHeaders.
      return {
        status: 200,
        file: pdf,
        contentType: 'application/pdf',
        filename: 'certificate.pdf',
        headers: { 'X-Verify-Url': verifyUrl },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/verify/:certificateCode',
    summary: 'Public: is this partner certificate valid, and for whom',
    tag: 'public',
    auth: 'public',
    params: z.strictObject({ certificateCode: z.string().regex(/^[A-Za-z0-9_-]{6,40}$/) }),
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    async handler({ db, params }) {
      const cert = await findCertificateByCode(db, params.certificateCode);
      const partner = cert ? await findPartnerById(db, cert.partner_id) : undefined;
      const valid = cert && !cert.revoked_at && partner && partner.status === 'active';
      const vendor = await getVendorRequisites(db);
      const body = valid
        ? `<h1>Сертификат действителен</h1><p><b>${escapeHtml(partner.name)}</b> — партнёр ${escapeHtml(vendor.name)}.</p><p>Сертификат № ${escapeHtml(cert.code)} выдан ${cert.issued_at.toLocaleDateString('ru-RU', { timeZone: PROGRAM_TIME_ZONE })}.</p>`
        : `<h1>Сертификат недействителен</h1><p>Сертификата с номером ${escapeHtml(params.certificateCode)} нет, или партнёр больше не участвует в программе.</p>`;
      return {
        status: 200,
        html: publicPage('Проверка сертификата', body, ` data-valid="${valid ? 'true' : 'false'}"`),
      };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/statements/:month',
    summary:
      'Partner: the monthly statement — every client payment and refund with its commission (PDF or CSV)',
    tag: 'documents',
    params: z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM') }),
    query: z.strictObject({ format: z.enum(['pdf', 'csv']).default('pdf') }),
    responses: {
      200: {
        description: 'Statement (PDF, or CSV with format=csv)',
        contentType: ['application/pdf', 'text/csv'],
      },
    },
    async handler({ db, partner, params, query, app }) {
      const [year, month] = params.month.split('-').map(Number) as [number, number];
      const from = new Date(Date.UTC(year, month - 1, 1) - 3 * 3600 * 1000);
      const to = new Date(Date.UTC(year, month, 1) - 3 * 3600 * 1000);
      const { rows, program } = await partnerStatement(db, partner.id, { from, to }, presetOf(app));
      const vendor = await getVendorRequisites(db);
      const doc = {
        partner: {
          name: partner.name,
          accountId: Number(partner.account_id),
          kind: partner.kind,
          inn: partnerInn(partner, app.config.encryptionKey) ?? undefined,
        },
        vendorName: vendor.name,
        periodFrom: `${params.month}-01`,
        periodTo: new Date(to.getTime() - 1),
        generatedAt: new Date(),
        currency: 'RUB' as const,
        rows,
        program,
      };
      if (query.format === 'csv') {
        return {
          status: 200,
          file: Buffer.from(renderStatementCsv(doc), 'utf8'),
          contentType: 'text/csv; charset=utf-8',
          filename: `statement-${params.month}.csv`,
        };
      }
      return {
        status: 200,
        file: await renderStatementPdf(doc),
        contentType: 'application/pdf',
        filename: `statement-${params.month}.pdf`,
      };
    },
  }),
];
