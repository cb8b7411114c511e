import { formatDateLong, toInstant } from './dates';
import type { CertificateDocument } from './document';
import { COLOR_MUTED, FONT_BOLD, FONT_REGULAR, createPdf, renderToBuffer } from './pdf';

const COLOR_FRAME = '#1F3A5F';
const COLOR_ACCENT = '#B08D3C';

/**
 * The partner certificate (rule 6): a landscape A4 page a partner can put on its website or send to
 * a client. Anyone checks it through the printed link, which is also clickable in the PDF.
 */
export function renderCertificatePdf(certificate: CertificateDocument): Promise<Buffer> {
  if (!/^https?:\/\//.test(certificate.verifyUrl)) {
    throw new RangeError('verifyUrl must be an absolute http(s) URL');
  }
  const doc = createPdf({
    title: `Сертификат партнёра № ${certificate.certificateCode}`,
    author: certificate.vendorName,
    subject: `Сертификат партнёра: ${certificate.partnerName}`,
    createdAt: toInstant(certificate.issuedAt),
    layout: 'landscape',
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
  });

  return renderToBuffer(doc, () => {
    const pageWidth = doc.page.width;
    const pageHeight = doc.page.height;

    // A double frame: a heavy outer line and a thin gold inner one.
    doc
      .save()
      .lineWidth(6)
      .strokeColor(COLOR_FRAME)
      .rect(24, 24, pageWidth - 48, pageHeight - 48)
      .stroke()
      .restore();
    doc
      .save()
      .lineWidth(1.2)
      .strokeColor(COLOR_ACCENT)
      .rect(36, 36, pageWidth - 72, pageHeight - 72)
      .stroke()
      .restore();

    const x = 80;
    const width = pageWidth - 160;
    const centred = { width, align: 'center' as const };
    let y = 82;

    doc.font(FONT_BOLD).fontSize(13).fillColor(COLOR_FRAME).text(certificate.vendorName, x, y, centred);
    y += 40;
    doc.font(FONT_BOLD).fontSize(38).fillColor(COLOR_FRAME).text('Сертификат партнёра', x, y, centred);
    y += 58;
    doc
      .save()
      .lineWidth(1.5)
      .strokeColor(COLOR_ACCENT)
      .moveTo(pageWidth / 2 - 120, y)
      .lineTo(pageWidth / 2 + 120, y)
      .stroke()
      .restore();
    y += 22;

    doc
      .font(FONT_REGULAR)
      .fontSize(14)
      .fillColor('#222222')
      .text('Настоящим подтверждается, что', x, y, centred);
    y += 30;
    doc.font(FONT_BOLD).fontSize(26).fillColor('#000000');
    doc.text(certificate.partnerName, x, y, centred);
    y += doc.heightOfString(certificate.partnerName, centred) + 16;

    const statement =
      `является официальным партнёром ${certificate.vendorName} по продаже, установке и настройке ` +
      'виджетов для amoCRM и сопровождению клиентов.';
    doc
      .font(FONT_REGULAR)
      .fontSize(13)
      .fillColor('#222222')
      .text(statement, x + 40, y, { width: width - 80, align: 'center' });
    y += doc.heightOfString(statement, { width: width - 80 }) + 26;

    const facts = [
      `Номер сертификата: ${certificate.certificateCode}`,
      `Дата выдачи: ${formatDateLong(certificate.issuedAt)}`,
    ];
    if (certificate.validUntil) facts.push(`Действителен до: ${formatDateLong(certificate.validUntil)}`);
    doc.font(FONT_REGULAR).fontSize(11).fillColor('#222222').text(facts.join('     '), x, y, centred);
    y += 30;

    doc
      .font(FONT_REGULAR)
      .fontSize(10)
      .fillColor(COLOR_MUTED)
      .text('Проверить подлинность сертификата:', x, y, centred);
    y += 15;
    doc.font(FONT_BOLD).fontSize(11).fillColor(COLOR_FRAME);
    doc.text(certificate.verifyUrl, x, y, { ...centred, link: certificate.verifyUrl, underline: true });

    // The vendor's signature line, bottom right.
    const signY = pageHeight - 110;
    const signX = pageWidth - 80 - 220;
    doc
      .save()
      .lineWidth(0.7)
      .strokeColor('#000000')
      .moveTo(signX, signY)
      .lineTo(signX + 220, signY)
      .stroke()
      .restore();
    doc
      .font(FONT_REGULAR)
      .fontSize(9)
      .fillColor(COLOR_MUTED)
      .text(certificate.vendorName, signX, signY + 5, { width: 220, align: 'center' });
    doc.fillColor('#000000');
  });
}
