import { renderCertificatePdf } from './certificate.pdf';
import type { CertificateDocument } from './document';
import { extractPdf, rendersTheSameBytes, writeSamplePdf } from './pdf-text.testing';

const certificate: CertificateDocument = {
  partnerName: 'ООО «Интеграция Плюс»',
  certificateCode: 'LS-2026-0007',
  issuedAt: '2026-12-01',
  validUntil: '2027-11-30',
  verifyUrl: 'https://partners.example.ru/verify/LS-2026-0007',
  vendorName: 'ООО «ЛидСендер»',
};

describe('renderCertificatePdf', () => {
  test('names the partner and the vendor and prints the verification link', async () => {
    const pdf = await renderCertificatePdf(certificate);
    const { text, pageCount, info } = await extractPdf(pdf);
    expect(pageCount).toBe(1);
    expect(text).toContain('Сертификат партнёра');
    expect(text).toContain('ООО «Интеграция Плюс»');
    expect(text).toContain('является официальным партнёром ООО «ЛидСендер»');
    expect(text).toContain('Номер сертификата: LS-2026-0007');
    expect(text).toContain('Дата выдачи: 1 декабря 2026 г.');
    expect(text).toContain('Действителен до: 30 ноября 2027 г.');
    expect(text).toContain('https://partners.example.ru/verify/LS-2026-0007');
    expect(info.Title).toBe('Сертификат партнёра № LS-2026-0007');
    expect(info.Author).toBe('ООО «ЛидСендер»');
    // The link is clickable, not only printed.
    expect(pdf.toString('latin1')).toContain('(https://partners.example.ru/verify/LS-2026-0007)');
  });

  test('is a landscape page', async () => {
    const pdf = await renderCertificatePdf(certificate);
    const match = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'));
    expect(Number(match?.[1])).toBeGreaterThan(Number(match?.[2]));
  });

  test('without an expiry date says nothing about one', async () => {
    const { text } = await extractPdf(await renderCertificatePdf({ ...certificate, validUntil: undefined }));
    expect(text).not.toContain('Действителен до');
  });

  test('rejects a verification link that is not an absolute URL', () => {
    expect(() => renderCertificatePdf({ ...certificate, verifyUrl: 'javascript:alert(1)' })).toThrow(
      RangeError,
    );
  });

  test('the same input renders the same bytes', async () => {
    expect(await rendersTheSameBytes(() => renderCertificatePdf(certificate))).toBe(true);
  });

  test('writes a sample certificate for a visual check, and it reads back whole', async () => {
    const sample = await writeSamplePdf('certificate-sample.pdf', await renderCertificatePdf(certificate));
    expect(sample.pageCount).toBe(1);
    expect(sample.text).toContain('Номер сертификата: LS-2026-0007');
  });
});
