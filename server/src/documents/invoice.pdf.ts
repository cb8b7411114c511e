import { formatDateLong, formatDateShort, toInstant } from './dates';
import type { InvoiceDocument, InvoiceLine, Party, VatMode } from './document';
import { NBSP, amountInWords, formatAmount, formatPercent } from './money-words';
import {
  COLOR_MUTED,
  COLOR_TEXT,
  FONT_BOLD,
  FONT_REGULAR,
  contentBottom,
  contentWidth,
  createPdf,
  drawTable,
  hline,
  renderToBuffer,
  type Pdf,
} from './pdf';
import { divideRounded } from '../../../shared/money';

/** The reward invoice's only line, worded exactly as the program requires (DOMAIN.md). */
export const REWARD_INVOICE_LINE_NAME = 'Оплата вознаграждения по договору привлечения новых пользователей';

/**
 * Rule 15: a card payment (online acquiring) brings only an online receipt. Put this in `notes` of a
 * net invoice to a company or ИП so the partner knows before choosing to pay by card.
 */
export const CARD_PAYMENT_NOTICE =
  'При оплате картой через интернет-эквайринг вы получите только онлайн-чек: закрывающие документы для юридического лица не предоставляются.';

/** The single line of a reward invoice for `amountMinor` kopecks. */
export function rewardInvoiceLine(amountMinor: bigint): InvoiceLine {
  return { name: REWARD_INVOICE_LINE_NAME, quantity: 1, unit: 'усл.', priceMinor: amountMinor };
}

const VAT_RATE_PERCENT: Record<VatMode, bigint> = { none: 0n, vat20: 20n, vat22: 22n };

export interface InvoiceTotals {
  /** Price × quantity per line, in line order. */
  lineAmountsMinor: bigint[];
  /** The sum of the line amounts: what the buyer pays. */
  totalMinor: bigint;
  /** The VAT included in the total (0 without VAT). */
  vatMinor: bigint;
}

/**
 * The invoice's amounts. Prices include VAT, so the VAT is extracted from the total once
 * (total × rate / (100 + rate)), not summed from lines, as invoices conventionally show it.
 */
export function computeInvoiceTotals(doc: Pick<InvoiceDocument, 'lines' | 'vatMode'>): InvoiceTotals {
  const lineAmountsMinor = doc.lines.map((line) => line.priceMinor * BigInt(line.quantity));
  const totalMinor = lineAmountsMinor.reduce((sum, amount) => sum + amount, 0n);
  const rate = VAT_RATE_PERCENT[doc.vatMode];
  const vatMinor = rate === 0n ? 0n : divideRounded(totalMinor * rate, 100n + rate);
  return { lineAmountsMinor, totalMinor, vatMinor };
}

/** Rejects input that would print a wrong or misleading invoice. */
export function validateInvoice(doc: InvoiceDocument): void {
  if (doc.currency !== 'RUB') throw new RangeError(`Unsupported currency: ${String(doc.currency)}`);
  if (!doc.number.trim()) throw new RangeError('Invoice number is empty');
  if (doc.lines.length === 0) throw new RangeError('An invoice needs at least one line');
  for (const [index, line] of doc.lines.entries()) {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw new RangeError(`lines[${index}].quantity must be a positive whole number`);
    }
    if (line.priceMinor < 0n) throw new RangeError(`lines[${index}].priceMinor must not be negative`);
    if (!line.name.trim()) throw new RangeError(`lines[${index}].name is empty`);
  }
  if (doc.kind === 'reward' && (doc.lines.length !== 1 || doc.lines[0]?.name !== REWARD_INVOICE_LINE_NAME)) {
    throw new RangeError(`A reward invoice has exactly one line: «${REWARD_INVOICE_LINE_NAME}»`);
  }
  if ((doc.seller.kind === 'self_employed' || doc.seller.kind === 'individual') && doc.vatMode !== 'none') {
    throw new RangeError('A self-employed or individual seller does not charge VAT: use vatMode "none"');
  }
}

/** «Без НДС» or «В том числе НДС 20 %: 2 000,00 руб.», for the payment purpose. */
function vatPhrase(vatMode: VatMode, vatMinor: bigint): string {
  if (vatMode === 'none') return 'Без НДС';
  return `В том числе НДС ${formatPercent(Number(VAT_RATE_PERCENT[vatMode]) * 100)}: ${formatAmount(vatMinor)}${NBSP}руб.`;
}

function registrationNumber(party: Party): string | undefined {
  if (!party.ogrn) return undefined;
  return party.kind === 'sole_proprietor' ? `ОГРНИП${NBSP}${party.ogrn}` : `ОГРН${NBSP}${party.ogrn}`;
}

function bankPhrase(party: Party): string | undefined {
  const bank = party.bank;
  if (!bank) return undefined;
  // Spelled out rather than «р/с», which pdfkit would break after the slash; no-break spaces keep
  // each label on the same line as its number.
  return `расч.${NBSP}счёт${NBSP}${bank.account} в ${bank.bankName}, БИК${NBSP}${bank.bik}, корр.${NBSP}счёт${NBSP}${bank.correspondentAccount}`;
}

/** One paragraph of a party's requisites, as 1C prints the Поставщик and Покупатель lines. */
export function partyRequisites(party: Party, options: { withBank: boolean }): string {
  const parts: (string | undefined)[] = [
    party.name,
    party.kind === 'self_employed' ? 'плательщик налога на профессиональный доход' : undefined,
    party.inn ? `ИНН${NBSP}${party.inn}` : undefined,
    party.kpp ? `КПП${NBSP}${party.kpp}` : undefined,
    registrationNumber(party),
    party.address,
    party.phone ? `тел. ${party.phone}` : undefined,
    party.email ? `e-mail ${party.email}` : undefined,
    options.withBank ? bankPhrase(party) : undefined,
  ];
  return parts.filter((part): part is string => Boolean(part)).join(', ');
}

const TEXT_SIZE = 9;
const CAPTION_SIZE = 7.5;

/**
 * The bank block at the top of a Russian invoice (the payment order's header): the payee's bank,
 * БИК and correspondent account, then the payee's ИНН/КПП, name and settlement account.
 */
function drawBankBlock(doc: Pdf, seller: Party, x: number, y: number, width: number): number {
  const bank = seller.bank;
  if (!bank) return y;
  const labelWidth = 50;
  const valueWidth = 168;
  const leftWidth = width - labelWidth - valueWidth;
  const xLabel = x + leftWidth;
  const xValue = xLabel + labelWidth;
  const pad = 4;
  const lineHeight = 15;

  doc.font(FONT_REGULAR).fontSize(TEXT_SIZE);
  const bankNameHeight = doc.heightOfString(bank.bankName, { width: leftWidth - 2 * pad });
  const bankHeight = Math.max(2 * lineHeight, bankNameHeight + CAPTION_SIZE + 3 * pad);
  const payeeNameHeight = doc.heightOfString(seller.name, { width: leftWidth - 2 * pad });
  const payeeHeight = Math.max(
    lineHeight + 2 * lineHeight,
    lineHeight + payeeNameHeight + CAPTION_SIZE + 3 * pad,
  );

  const stroke = (rx: number, ry: number, rw: number, rh: number): void => {
    doc.save().lineWidth(0.5).rect(rx, ry, rw, rh).stroke().restore();
  };
  const cell = (
    text: string,
    cx: number,
    cy: number,
    cw: number,
    size = TEXT_SIZE,
    color = COLOR_TEXT,
  ): void => {
    doc
      .font(FONT_REGULAR)
      .fontSize(size)
      .fillColor(color)
      .text(text, cx + pad, cy + pad, { width: cw - 2 * pad });
  };

  // Bank of the payee.
  stroke(x, y, leftWidth, bankHeight);
  cell(bank.bankName, x, y, leftWidth);
  cell('Банк получателя', x, y + bankHeight - CAPTION_SIZE - 2 * pad, leftWidth, CAPTION_SIZE, COLOR_MUTED);
  stroke(xLabel, y, labelWidth, lineHeight);
  cell('БИК', xLabel, y, labelWidth);
  stroke(xValue, y, valueWidth, lineHeight);
  cell(bank.bik, xValue, y, valueWidth);
  stroke(xLabel, y + lineHeight, labelWidth, bankHeight - lineHeight);
  cell('Сч. №', xLabel, y + lineHeight, labelWidth);
  stroke(xValue, y + lineHeight, valueWidth, bankHeight - lineHeight);
  cell(bank.correspondentAccount, xValue, y + lineHeight, valueWidth);

  // The payee.
  const top = y + bankHeight;
  const half = leftWidth / 2;
  stroke(x, top, half, lineHeight);
  cell(`ИНН ${seller.inn ?? ''}`.trim(), x, top, half);
  stroke(x + half, top, leftWidth - half, lineHeight);
  cell(seller.kpp ? `КПП ${seller.kpp}` : 'КПП', x + half, top, leftWidth - half);
  stroke(x, top + lineHeight, leftWidth, payeeHeight - lineHeight);
  cell(seller.name, x, top + lineHeight, leftWidth);
  cell('Получатель', x, top + payeeHeight - CAPTION_SIZE - 2 * pad, leftWidth, CAPTION_SIZE, COLOR_MUTED);
  stroke(xLabel, top, labelWidth, payeeHeight);
  cell('Сч. №', xLabel, top, labelWidth);
  stroke(xValue, top, valueWidth, payeeHeight);
  cell(bank.account, xValue, top, valueWidth);

  doc.fillColor(COLOR_TEXT);
  return top + payeeHeight;
}

/** A caption on the left and a bold paragraph on the right, as in «Поставщик: …». */
function drawLabelled(doc: Pdf, label: string, value: string, x: number, y: number, width: number): number {
  const labelWidth = 88;
  doc.font(FONT_REGULAR).fontSize(TEXT_SIZE).fillColor(COLOR_TEXT);
  const labelHeight = doc.heightOfString(label, { width: labelWidth - 6 });
  doc.text(label, x, y, { width: labelWidth - 6 });
  doc.font(FONT_BOLD).fontSize(TEXT_SIZE);
  const valueHeight = doc.heightOfString(value, { width: width - labelWidth });
  doc.text(value, x + labelWidth, y, { width: width - labelWidth });
  doc.font(FONT_REGULAR);
  return y + Math.max(labelHeight, valueHeight) + 8;
}

function signatureTitle(party: Party): string {
  switch (party.kind) {
    case 'legal_entity':
      return 'Руководитель';
    case 'sole_proprietor':
      return 'Индивидуальный предприниматель';
    case 'self_employed':
    case 'individual':
      return 'Поставщик';
  }
}

/** The signer's name: the given signatory, else the person's own name for ИП and the self-employed. */
function signatureName(party: Party): string {
  if (party.signatory) return party.signatory.name;
  if (party.kind === 'legal_entity') return '';
  return party.name.replace(/^ИП\s+/u, '');
}

function drawSignatures(doc: Pdf, seller: Party, x: number, y: number, width: number): number {
  const signers: { title: string; name: string }[] = [
    { title: seller.signatory?.position ?? signatureTitle(seller), name: signatureName(seller) },
  ];
  if (seller.kind === 'legal_entity') signers.push({ title: 'Бухгалтер', name: '' });
  const columnWidth = width / 2;
  signers.forEach((signer, index) => {
    const cx = x + index * columnWidth;
    doc
      .font(FONT_BOLD)
      .fontSize(TEXT_SIZE)
      .text(signer.title, cx, y, { width: columnWidth - 10 });
    const lineY = y + doc.heightOfString(signer.title, { width: columnWidth - 10 }) + 14;
    hline(doc, cx, cx + 95, lineY);
    if (signer.name) {
      doc
        .font(FONT_REGULAR)
        .fontSize(TEXT_SIZE)
        .text(signer.name, cx + 100, lineY - 10, { width: columnWidth - 110 });
    }
    doc
      .font(FONT_REGULAR)
      .fontSize(6.5)
      .fillColor(COLOR_MUTED)
      .text('подпись', cx, lineY + 2, { width: 95, align: 'center' });
    doc.fillColor(COLOR_TEXT);
  });
  return y + 50;
}

/**
 * Renders «Счёт на оплату» on one A4 page (more when the lines do not fit), laid out like the
 * invoices Russian accountants are used to: bank block, title, parties, lines, totals, amount in words.
 */
export function renderInvoicePdf(invoice: InvoiceDocument): Promise<Buffer> {
  validateInvoice(invoice);
  const totals = computeInvoiceTotals(invoice);
  const dateLong = formatDateLong(invoice.issuedOn);
  const title = `Счёт на оплату № ${invoice.number} от ${dateLong}`;
  const doc = createPdf({
    title,
    author: invoice.seller.name,
    subject:
      invoice.kind === 'reward'
        ? 'Счёт на оплату партнёрского вознаграждения'
        : 'Счёт на оплату за вычетом партнёрского вознаграждения',
    createdAt: toInstant(invoice.issuedOn),
  });

  return renderToBuffer(doc, () => {
    const x = doc.page.margins.left;
    const width = contentWidth(doc);
    let y = doc.page.margins.top;

    y = drawBankBlock(doc, invoice.seller, x, y, width);

    y += 22;
    doc.font(FONT_BOLD).fontSize(14).fillColor(COLOR_TEXT);
    doc.text(title, x, y, { width });
    y += doc.heightOfString(title, { width }) + 6;
    hline(doc, x, x + width, y, 2);
    y += 12;

    y = drawLabelled(
      doc,
      'Поставщик\n(Исполнитель):',
      partyRequisites(invoice.seller, { withBank: !invoice.seller.bank }),
      x,
      y,
      width,
    );
    y = drawLabelled(
      doc,
      'Покупатель\n(Заказчик):',
      partyRequisites(invoice.buyer, { withBank: true }),
      x,
      y,
      width,
    );
    if (invoice.basis) y = drawLabelled(doc, 'Основание:', invoice.basis, x, y, width);
    y += 4;

    const fixed = 24 + 46 + 36 + 84 + 90;
    y = drawTable(doc, {
      x,
      y,
      fontSize: TEXT_SIZE,
      columns: [
        { header: '№', width: 24, align: 'center' },
        { header: 'Наименование', width: width - fixed },
        { header: 'Кол-во', width: 46, align: 'right' },
        { header: 'Ед.', width: 36, align: 'center' },
        { header: 'Цена', width: 84, align: 'right' },
        { header: 'Сумма', width: 90, align: 'right' },
      ],
      rows: invoice.lines.map((line, index) => ({
        cells: [
          String(index + 1),
          line.name,
          String(line.quantity),
          line.unit,
          formatAmount(line.priceMinor),
          formatAmount(totals.lineAmountsMinor[index] ?? 0n),
        ],
      })),
    });

    // Keep the totals, the amount in words and the signatures together on one page.
    if (y + 230 > contentBottom(doc)) {
      doc.addPage();
      y = doc.page.margins.top;
    }

    y += 8;
    const totalRows: [string, string][] = [['Итого:', formatAmount(totals.totalMinor)]];
    if (invoice.vatMode === 'none') {
      totalRows.push(['Без НДС', '—']);
    } else {
      totalRows.push([
        `В том числе НДС ${formatPercent(Number(VAT_RATE_PERCENT[invoice.vatMode]) * 100)}:`,
        formatAmount(totals.vatMinor),
      ]);
    }
    totalRows.push(['Всего к оплате:', formatAmount(totals.totalMinor)]);
    const valueWidth = 90;
    for (const [label, value] of totalRows) {
      doc.font(FONT_BOLD).fontSize(TEXT_SIZE + 0.5);
      doc.text(label, x, y, { width: width - valueWidth - 6, align: 'right' });
      doc.text(value, x + width - valueWidth, y, { width: valueWidth - 4, align: 'right' });
      y += 15;
    }

    y += 8;
    doc.font(FONT_REGULAR).fontSize(TEXT_SIZE + 0.5);
    const count = `Всего наименований ${invoice.lines.length}, на сумму ${formatAmount(totals.totalMinor)}${NBSP}руб.`;
    doc.text(count, x, y, { width });
    y += doc.heightOfString(count, { width }) + 2;
    const words = amountInWords(totals.totalMinor);
    doc.font(FONT_BOLD).text(words, x, y, { width });
    y += doc.heightOfString(words, { width }) + 10;

    const purpose =
      invoice.paymentPurpose ??
      `Оплата по счёту № ${invoice.number} от ${formatDateShort(invoice.issuedOn)}. ${vatPhrase(invoice.vatMode, totals.vatMinor)}`;
    const paragraphs = [`Назначение платежа: ${purpose}`];
    if (invoice.payUntil) paragraphs.push(`Счёт действителен до ${formatDateLong(invoice.payUntil)}`);
    paragraphs.push(...(invoice.notes ?? []));
    doc.font(FONT_REGULAR).fontSize(TEXT_SIZE);
    for (const paragraph of paragraphs) {
      doc.text(paragraph, x, y, { width });
      y += doc.heightOfString(paragraph, { width }) + 4;
    }

    y += 6;
    hline(doc, x, x + width, y, 2);
    y += 18;
    drawSignatures(doc, invoice.seller, x, y, width);
  });
}
