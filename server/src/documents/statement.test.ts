import fs from 'node:fs';
import path from 'node:path';
import type { StatementDocument, StatementRow } from './document';
import { statement } from './fixtures.testing';
import { extractPdf, rendersTheSameBytes, SAMPLE_DIR, writeSamplePdf } from './pdf-text.testing';
import {
  STATEMENT_CSV_HEADER,
  describeSettlement,
  renderStatementCsv,
  renderStatementPdf,
  statementTotals,
} from './statement';

/** A strict parser for the CSV dialect Russian Excel reads: `;`, double quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ';') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('The last line has no CRLF');
  return rows;
}

describe('statementTotals', () => {
  test('sums signed rows: refunds reduce the gross and the commission', () => {
    expect(statementTotals(statement.rows)).toEqual({
      paymentsGrossMinor: 2_433_333n,
      refundsGrossMinor: -300_000n,
      commissionMinor: 973_333n,
      payableMinor: 360_000n,
      keptMinor: 600_000n,
      notPayableMinor: 13_333n,
    });
  });

  test('rejects negative magnitudes instead of guessing their meaning', () => {
    const row = { ...(statement.rows[0] as StatementRow), commissionMinor: -1n };
    expect(() => statementTotals([row])).toThrow(RangeError);
  });
});

describe('describeSettlement', () => {
  test.each([
    [{ payable: true, channel: 'vendor_direct' }, 'К выплате'],
    [{ payable: false, channel: 'partner_net' }, 'Удержано партнёром'],
    [
      { payable: false, channel: 'vendor_direct', reason: 'no_contract' },
      'Не к выплате: нет договора с партнёром',
    ],
    [
      { payable: false, channel: 'vendor_direct', reason: 'individual_partner' },
      'Не к выплате: физическое лицо без договора: выплаты не производятся',
    ],
    [
      { payable: false, channel: 'vendor_direct', reason: 'спор по клиенту' },
      'Не к выплате: спор по клиенту',
    ],
    [{ payable: false, channel: 'vendor_direct' }, 'Не к выплате'],
  ] as const)('%p → «%s»', (row, text) => {
    expect(describeSettlement(row)).toBe(text);
  });
});

describe('renderStatementCsv', () => {
  const csv = renderStatementCsv(statement);

  test('starts with a UTF-8 BOM and ends every line with CRLF', () => {
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  test('parses back into a Russian header and one row per payment, refunds negative', () => {
    const [header, ...rows] = parseCsv(csv.slice(1));
    expect(header).toEqual([...STATEMENT_CSV_HEADER]);
    expect(rows).toEqual([
      [
        '03.11.2026',
        'Оплата',
        'bill-1001',
        '31234567',
        'ООО «Альфа»',
        'Оплата вендору',
        '12000,00',
        '40',
        '4800,00',
        'Да',
        'К выплате',
        'Вознаграждение за оплату закреплённого клиента: 12 000,00 ₽ × 40 % = 4 800,00 ₽',
      ],
      [
        '10.11.2026',
        'Оплата',
        'bill-1002',
        '31234568',
        'ИП Сидоров; «Бета»',
        'Оплата через партнёра',
        '12000,00',
        '50',
        '6000,00',
        'Нет',
        'Удержано партнёром',
        'Вознаграждение за оплату закреплённого клиента: 12 000,00 ₽ × 50 % = 6 000,00 ₽',
      ],
      [
        '15.11.2026',
        'Оплата',
        'bill-1003',
        '31234569',
        '',
        'Оплата вендору',
        '333,33',
        '40',
        '133,33',
        'Нет',
        'Не к выплате: нет договора с партнёром',
        '333,33 ₽ × 40 % = 133,33 ₽',
      ],
      [
        '20.11.2026',
        'Возврат',
        'bill-1001',
        '31234567',
        'ООО «Альфа»',
        'Оплата вендору',
        '-3000,00',
        '40',
        '-1200,00',
        'Да',
        'К выплате',
        'Возврат 3 000,00 ₽ из 12 000,00 ₽: вознаграждение 4 800,00 ₽ уменьшено на 1 200,00 ₽',
      ],
    ]);
  });

  test('quotes separators and quotes, and keeps formula-like text inert', () => {
    const rows: StatementRow[] = [
      { ...(statement.rows[0] as StatementRow), clientName: 'ООО "Кавычки"; и точка с запятой' },
      { ...(statement.rows[0] as StatementRow), clientName: '=HYPERLINK("http://evil")' },
    ];
    const parsed = parseCsv(renderStatementCsv({ ...statement, rows }).slice(1));
    expect(parsed[1]?.[4]).toBe('ООО "Кавычки"; и точка с запятой');
    expect(parsed[2]?.[4]).toBe(`'=HYPERLINK("http://evil")`);
  });

  test('an empty period gives the header only', () => {
    expect(parseCsv(renderStatementCsv({ ...statement, rows: [] }).slice(1))).toEqual([
      [...STATEMENT_CSV_HEADER],
    ]);
  });
});

describe('renderStatementPdf', () => {
  test('shows the partner, the period, every payment row with its calculation and the totals', async () => {
    const pdf = await renderStatementPdf(statement);
    const { text, info } = await extractPdf(pdf);

    expect(text).toContain('Отчёт о партнёрском вознаграждении № О-2026-11-7 за ноябрь 2026 г.');
    expect(text).toContain('ИП Иванов Иван Иванович, ИНН 500100732259, аккаунт amoCRM 29876543');
    expect(text).toContain('ООО «ЛидСендер»');
    expect(text).toContain('1 ноября 2026 г. — 30 ноября 2026 г.');
    expect(info.Author).toBe('ООО «ЛидСендер»');

    // Each row's cells in reading order: date, operation, payment id, account, amount, rate,
    // commission, settlement. Text that wraps inside a cell continues later, so search in order
    // from the row's date up to the next row's.
    const expectations = [
      [
        '03.11.2026',
        'Оплата',
        'bill-1001',
        '31234567',
        'ООО «Альфа»',
        'Оплата вендору',
        '12 000,00',
        '40 %',
        '4 800,00',
        'К выплате',
      ],
      [
        '10.11.2026',
        'Оплата',
        'bill-1002',
        '31234568',
        'ИП Сидоров;',
        'Оплата через',
        '12 000,00',
        '50 %',
        '6 000,00',
        'Удержано партнёром',
      ],
      [
        '15.11.2026',
        'Оплата',
        'bill-1003',
        '31234569',
        'Оплата вендору',
        '333,33',
        '40 %',
        '133,33',
        'Не к выплате:',
      ],
      [
        '20.11.2026',
        'Возврат',
        'bill-1001',
        '31234567',
        'ООО «Альфа»',
        'Оплата вендору',
        '-3 000,00',
        '40 %',
        '-1 200,00',
        'К выплате',
      ],
    ];
    expectations.forEach((cells, index) => {
      const start = text.indexOf(cells[0] as string);
      const next = expectations[index + 1];
      const end = next ? text.indexOf(next[0] as string) : text.indexOf('Итого ');
      const row = text.slice(start, end);
      let position = 0;
      for (const cell of cells) {
        const found = row.indexOf(cell, position);
        expect({ row, cell, found: found >= 0 }).toEqual({ row, cell, found: true });
        position = found + cell.length;
      }
    });
    expect(text).toContain('Не к выплате: нет договора с партнёром');
    // Each reward's calculation and the program's own wording (issue 13 item 6).
    expect(text).toContain('Программа: Партнёрская программа LeadSender');
    expect(text).toContain('× 40 % = 4 800,00 ₽');
    expect(text).toContain('уменьшено на 1 200,00 ₽');
    expect(text).toContain('Условия программы: Партнёрская программа LeadSender');
    expect(text).toContain(
      '• Клиент закрепляется за партнёром, который первым зарегистрировал его аккаунт amoCRM.',
    );

    // Literal amounts, not built with the code's own formatAmount: a wrong format must fail here.
    expect(text).toContain('Итого 21 333,33 9 733,33');
    expect(text).toContain('Оплаты клиентов 24 333,33 ₽');
    expect(text).toContain('Возвраты клиентам -3 000,00 ₽');
    expect(text).toContain('Вознаграждение за период (с учётом возвратов) 9 733,33 ₽');
    expect(text).toContain('в том числе к выплате партнёру 3 600,00 ₽');
    expect(text).toContain('в том числе удержано партнёром при оплате счетов 6 000,00 ₽');
    expect(text).toContain('в том числе не к выплате 133,33 ₽');
    expect(text).toContain('Остаток к выплате на конец периода 3 600,00 ₽');
    expect(text).toContain('К выплате за период: Три тысячи шестьсот рублей 00 копеек');
    expect(text).toContain('страница 1 из 1');
  });

  test('a long statement continues on further pages with numbered pages', async () => {
    const many: StatementDocument = {
      ...statement,
      rows: Array.from({ length: 80 }, (_, index) => ({
        ...(statement.rows[0] as StatementRow),
        paymentId: `bill-${2000 + index}`,
      })),
    };
    const { text, pageCount } = await extractPdf(await renderStatementPdf(many));
    expect(pageCount).toBeGreaterThan(1);
    expect(text).toContain('bill-2000');
    expect(text).toContain('bill-2079');
    expect(text).toContain(`страница ${pageCount} из ${pageCount}`);
    expect(text).toContain('Вознаграждение за период (с учётом возвратов) 384 000,00 ₽');
  });

  test('an empty period says so', async () => {
    const { text } = await extractPdf(
      await renderStatementPdf({ ...statement, rows: [], balance: undefined }),
    );
    expect(text).toContain('За период операций не было');
    expect(text).toContain('Оплаты клиентов 0,00 ₽');
  });

  test('the same input renders the same bytes', async () => {
    expect(await rendersTheSameBytes(() => renderStatementPdf(statement))).toBe(true);
  });

  test('writes sample statements for a visual check, and they read back whole', async () => {
    const dir = SAMPLE_DIR;
    fs.writeFileSync(path.join(dir, 'statement-sample.csv'), renderStatementCsv(statement));
    const long = { ...statement, rows: Array.from({ length: 40 }, () => statement.rows).flat() };
    const sample = await writeSamplePdf('statement-sample.pdf', await renderStatementPdf(statement));
    expect(sample.pageCount).toBe(1);
    expect(sample.text).toContain('Остаток к выплате на конец периода 3 600,00 ₽');
    const longSample = await writeSamplePdf('statement-long-sample.pdf', await renderStatementPdf(long));
    expect(longSample.pageCount).toBeGreaterThan(1);
    expect(longSample.text).toContain(`страница ${longSample.pageCount} из ${longSample.pageCount}`);
    expect(fs.readFileSync(path.join(dir, 'statement-sample.csv'), 'utf8')).toContain(
      '03.11.2026;Оплата;bill-1001;31234567;ООО «Альфа»;Оплата вендору;12000,00;40;4800,00;Да;К выплате',
    );
  });
});
