import { formatDateLong, formatDateShort, formatPeriod, toInstant } from './dates';
import type { PaymentChannel, StatementDocument, StatementRow } from './document';
import {
  NBSP,
  amountInWords,
  formatAmount,
  formatAmountForSpreadsheet,
  formatPercent,
  formatRateBps,
} from './money-words';
import {
  COLOR_MUTED,
  COLOR_TEXT,
  FONT_BOLD,
  FONT_REGULAR,
  contentBottom,
  contentWidth,
  createPdf,
  drawTable,
  numberPages,
  renderToBuffer,
  type TableRow,
} from './pdf';

/**
 * The monthly statement of a partner: every client payment (and refund) of the period with its
 * commission, as a CSV for Excel and as a PDF. Amounts are printed as given — the commission
 * engine computed them — and the totals are sums of the printed rows.
 */

export const CHANNEL_LABELS: Record<PaymentChannel, string> = {
  vendor_direct: 'Оплата вендору',
  partner_net: 'Оплата через партнёра',
};

const KIND_LABELS: Record<StatementRow['kind'], string> = {
  payment: 'Оплата',
  refund: 'Возврат',
  rebate: 'Рибейт',
  bounty: 'Бонус',
};

/** A rebate's or bounty's row has no client payment: its client and channel cells stay empty. */
const channelLabel = (row: StatementRow) => (row.channel ? CHANNEL_LABELS[row.channel] : '—');
const clientCell = (row: StatementRow) =>
  row.clientAccountId === undefined ? '' : String(row.clientAccountId);

/** Russian wording of the not-payable reason codes; an unknown code or free text is printed as is. */
const REASON_LABELS: Record<string, string> = {
  no_contract: 'нет договора с партнёром',
  contract_not_signed: 'договор ещё не подписан',
  individual: 'физическое лицо без договора: выплаты не производятся',
  individual_partner: 'физическое лицо без договора: выплаты не производятся',
  no_contract_individual: 'физическое лицо без договора: выплаты не производятся',
  not_payout_eligible: 'партнёр не может получать выплаты',
  partner_blocked: 'партнёр заблокирован',
  partner_net: 'удержано партнёром при оплате счёта вендора',
  kept_by_partner: 'удержано партнёром при оплате счёта вендора',
  one_time_discount: 'разовая скидка на услуги вендора',
};

const KEPT_BY_PARTNER = 'Удержано партнёром';

/** «К выплате», «Удержано партнёром» (a `partner_net` reward) or «Не к выплате: <reason>». */
export function describeSettlement(row: Pick<StatementRow, 'payable' | 'channel' | 'reason'>): string {
  if (row.payable) return 'К выплате';
  if (
    row.channel === 'partner_net' &&
    (!row.reason || row.reason === 'partner_net' || row.reason === 'kept_by_partner')
  ) {
    return KEPT_BY_PARTNER;
  }
  if (!row.reason) return 'Не к выплате';
  return `Не к выплате: ${REASON_LABELS[row.reason] ?? row.reason}`;
}

/** The row's amounts with the sign a reader expects: refunds are negative. */
export function signedAmounts(row: StatementRow): { grossMinor: bigint; commissionMinor: bigint } {
  if (row.grossMinor < 0n || row.commissionMinor < 0n) {
    throw new RangeError(`Statement amounts are magnitudes; payment ${row.paymentId} has a negative amount`);
  }
  const sign = row.kind === 'refund' ? -1n : 1n;
  return { grossMinor: sign * row.grossMinor, commissionMinor: sign * row.commissionMinor };
}

export interface StatementTotals {
  /** What clients paid in the period. */
  paymentsGrossMinor: bigint;
  /** What was refunded in the period (negative or zero). */
  refundsGrossMinor: bigint;
  /** All commissions of the period net of reversals. */
  commissionMinor: bigint;
  /** The part the vendor pays out. */
  payableMinor: bigint;
  /** The part the partner already kept by paying the vendor's invoice net of its reward. */
  keptMinor: bigint;
  /** The part recorded but not payable (no contract, individual partner…). */
  notPayableMinor: bigint;
}

export function statementTotals(rows: StatementRow[]): StatementTotals {
  const totals: StatementTotals = {
    paymentsGrossMinor: 0n,
    refundsGrossMinor: 0n,
    commissionMinor: 0n,
    payableMinor: 0n,
    keptMinor: 0n,
    notPayableMinor: 0n,
  };
  for (const row of rows) {
    const { grossMinor, commissionMinor } = signedAmounts(row);
    if (row.kind === 'refund') totals.refundsGrossMinor += grossMinor;
    else totals.paymentsGrossMinor += grossMinor;
    totals.commissionMinor += commissionMinor;
    if (row.payable) totals.payableMinor += commissionMinor;
    else if (describeSettlement(row) === KEPT_BY_PARTNER) totals.keptMinor += commissionMinor;
    else totals.notPayableMinor += commissionMinor;
  }
  return totals;
}

export const STATEMENT_CSV_HEADER = [
  'Дата',
  'Операция',
  'ID платежа',
  'ID аккаунта клиента',
  'Клиент',
  'Канал оплаты',
  'Сумма оплаты, руб.',
  'Ставка, %',
  'Вознаграждение, руб.',
  'К выплате',
  'Статус',
  'Расчёт',
] as const;

const CSV_SEPARATOR = ';';

/**
 * Quotes a field when it holds the separator, a quote or a line break. Text that starts like a
 * formula is prefixed with an apostrophe, so a client name such as «=HYPERLINK(…)» stays text in Excel.
 */
function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The statement as CSV for Russian Excel: UTF-8 with a BOM (so Cyrillic opens correctly), `;` as the
 * separator, decimal commas without digit grouping, dates as ДД.ММ.ГГГГ, CRLF line ends. One row per
 * client payment; refunds are rows with negative amounts.
 */
export function renderStatementCsv(statement: StatementDocument): string {
  const lines = [STATEMENT_CSV_HEADER.join(CSV_SEPARATOR)];
  for (const row of statement.rows) {
    const { grossMinor, commissionMinor } = signedAmounts(row);
    lines.push(
      [
        formatDateShort(row.date),
        KIND_LABELS[row.kind],
        csvText(row.paymentId),
        clientCell(row),
        csvText(row.clientName ?? ''),
        channelLabel(row),
        formatAmountForSpreadsheet(grossMinor),
        formatRateBps(row.rateBps),
        formatAmountForSpreadsheet(commissionMinor),
        row.payable ? 'Да' : 'Нет',
        csvText(describeSettlement(row)),
        csvText(row.calculation ?? ''),
      ].join(CSV_SEPARATOR),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function statementTitle(statement: StatementDocument): string {
  const period = formatPeriod(statement.periodFrom, statement.periodTo);
  const number = statement.number ? ` № ${statement.number}` : '';
  const prefix = period.startsWith('с ') ? 'за период ' : 'за ';
  return `Отчёт о партнёрском вознаграждении${number} ${prefix}${period}`;
}

/**
 * The statement as a landscape A4 PDF: who, which period and program, one table row per client payment with
 * its commission calculation in words and settlement, then the totals and the program's terms.
 */
export function renderStatementPdf(statement: StatementDocument): Promise<Buffer> {
  if (statement.currency !== 'RUB')
    throw new RangeError(`Unsupported currency: ${String(statement.currency)}`);
  const totals = statementTotals(statement.rows);
  const title = statementTitle(statement);
  const doc = createPdf({
    title,
    author: statement.vendorName,
    subject: `Партнёр ${statement.partner.name}, аккаунт ${statement.partner.accountId}`,
    createdAt: toInstant(statement.generatedAt),
    layout: 'landscape',
    margins: { top: 36, bottom: 40, left: 30, right: 30 },
    bufferPages: true,
  });

  return renderToBuffer(doc, () => {
    const x = doc.page.margins.left;
    const width = contentWidth(doc);
    let y = doc.page.margins.top;

    doc.font(FONT_BOLD).fontSize(14).fillColor(COLOR_TEXT).text(title, x, y, { width });
    y += doc.heightOfString(title, { width }) + 8;

    const partnerParts = [statement.partner.name];
    if (statement.partner.inn) partnerParts.push(`ИНН${NBSP}${statement.partner.inn}`);
    partnerParts.push(`аккаунт amoCRM ${statement.partner.accountId}`);
    const header: [string, string][] = [
      ['Партнёр:', partnerParts.join(', ')],
      ['Вендор:', statement.vendorName],
      ...(statement.program ? [['Программа:', statement.program.title] as [string, string]] : []),
      ['Период:', `${formatDateLong(statement.periodFrom)} — ${formatDateLong(statement.periodTo)}`],
      ['Сформирован:', formatDateLong(statement.generatedAt)],
    ];
    for (const [label, value] of header) {
      doc.font(FONT_REGULAR).fontSize(9).text(label, x, y, { width: 80 });
      doc.font(FONT_BOLD).text(value, x + 80, y, { width: width - 80 });
      y += doc.heightOfString(value, { width: width - 80 }) + 3;
    }
    y += 8;

    // The client's account and name share a cell, so the reward's calculation gets a column of its own.
    const rows: TableRow[] = statement.rows.map((row, index) => {
      const { grossMinor, commissionMinor } = signedAmounts(row);
      return {
        cells: [
          String(index + 1),
          formatDateShort(row.date),
          KIND_LABELS[row.kind],
          row.paymentId,
          [clientCell(row), row.clientName].filter(Boolean).join('\n'),
          channelLabel(row),
          formatAmount(grossMinor),
          formatPercent(row.rateBps),
          formatAmount(commissionMinor),
          describeSettlement(row),
          row.calculation ?? '',
        ],
      };
    });
    if (rows.length === 0) {
      rows.push({ cells: ['', '', '', '', 'За период операций не было', '', '', '', '', '', ''] });
    }
    rows.push({
      cells: [
        '',
        '',
        '',
        '',
        'Итого',
        '',
        formatAmount(totals.paymentsGrossMinor + totals.refundsGrossMinor),
        '',
        formatAmount(totals.commissionMinor),
        '',
        '',
      ],
      bold: true,
    });

    const fixedWidths = 22 + 50 + 48 + 70 + 82 + 70 + 64 + 36 + 78 + 108;
    y = drawTable(doc, {
      x,
      y,
      fontSize: 7.5,
      headerFontSize: 7.5,
      padding: 3,
      columns: [
        { header: '№', width: 22, align: 'center' },
        { header: 'Дата', width: 50 },
        { header: 'Операция', width: 48 },
        { header: 'ID платежа', width: 70 },
        { header: 'Клиент (аккаунт)', width: 82 },
        { header: 'Канал', width: 70 },
        { header: 'Сумма, ₽', width: 64, align: 'right' },
        { header: 'Ставка', width: 36, align: 'right' },
        { header: 'Вознаграждение, ₽', width: 78, align: 'right' },
        { header: 'Статус', width: 108 },
        { header: 'Расчёт', width: width - fixedWidths },
      ],
      rows,
    });

    const summary: [string, string][] = [
      ['Оплаты клиентов', formatAmount(totals.paymentsGrossMinor)],
      ['Возвраты клиентам', formatAmount(totals.refundsGrossMinor)],
      ['Вознаграждение за период (с учётом возвратов)', formatAmount(totals.commissionMinor)],
      ['в том числе к выплате партнёру', formatAmount(totals.payableMinor)],
      ['в том числе удержано партнёром при оплате счетов', formatAmount(totals.keptMinor)],
      ['в том числе не к выплате', formatAmount(totals.notPayableMinor)],
    ];
    if (statement.balance) {
      summary.push(
        ['Остаток к выплате на начало периода', formatAmount(statement.balance.openingMinor)],
        ['Выплачено за период', formatAmount(statement.balance.paidOutMinor)],
        ['Остаток к выплате на конец периода', formatAmount(statement.balance.closingMinor)],
      );
    }
    const summaryHeight = summary.length * 14 + 70;
    if (y + 14 + summaryHeight > contentBottom(doc)) {
      doc.addPage();
      y = doc.page.margins.top;
    } else {
      y += 14;
    }
    const labelWidth = 300;
    const valueWidth = 100;
    doc.font(FONT_BOLD).fontSize(10).text('Итоги', x, y, { width });
    y += 16;
    for (const [label, value] of summary) {
      const strong = !label.startsWith('в том числе');
      doc.font(strong ? FONT_BOLD : FONT_REGULAR).fontSize(9);
      doc.text(label, x + (strong ? 0 : 12), y, { width: labelWidth });
      doc.text(`${value}${NBSP}₽`, x + labelWidth, y, { width: valueWidth, align: 'right' });
      y += 14;
    }
    y += 4;
    const payableWords = `К выплате за период: ${amountInWords(totals.payableMinor)}`;
    doc.font(FONT_REGULAR).fontSize(9).text(payableWords, x, y, { width });
    y += doc.heightOfString(payableWords, { width }) + 10;

    // The terms in the program's own wording (the version in force at the period's end), so the reader of a
    // statement sees the rules its figures follow — a link program's first order, its guarantee, its levels.
    if (statement.program) {
      const terms = statement.program.terms.map((line) => `• ${line}`).join('\n');
      const heading = `Условия программы: ${statement.program.title}`;
      const height =
        doc.font(FONT_BOLD).fontSize(8).heightOfString(heading, { width }) +
        doc.font(FONT_REGULAR).fontSize(7.5).heightOfString(terms, { width });
      if (y + height + 8 > contentBottom(doc)) {
        doc.addPage();
        y = doc.page.margins.top;
      }
      doc.font(FONT_BOLD).fontSize(8).fillColor(COLOR_MUTED).text(heading, x, y, { width });
      y += doc.heightOfString(heading, { width }) + 2;
      doc.font(FONT_REGULAR).fontSize(7.5).text(terms, x, y, { width });
      doc.fillColor(COLOR_TEXT);
    }

    numberPages(doc, (page, total) => `${statement.partner.name} · ${title} · страница ${page} из ${total}`);
  });
}
