import type { InvoiceDocument } from './document';
import { netInvoice, rewardInvoice, selfEmployed, vendor } from './fixtures.testing';
import {
  REWARD_INVOICE_LINE_NAME,
  computeInvoiceTotals,
  renderInvoicePdf,
  rewardInvoiceLine,
  validateInvoice,
} from './invoice.pdf';
import { extractPdf, normalizeSpaces, rendersTheSameBytes, writeSamplePdf } from './pdf-text.testing';

describe('computeInvoiceTotals', () => {
  test.each([
    ['none', 1_200_000n, 1, 1_200_000n, 0n],
    ['vat20', 1_200_000n, 1, 1_200_000n, 200_000n],
    ['vat22', 1_220_000n, 1, 1_220_000n, 220_000n],
    // 100.00 × 20/120 = 16.666… → 16.67
    ['vat20', 10_000n, 1, 10_000n, 1_667n],
    // 0.03 × 20/120 = 0.005 → half away from zero → 0.01
    ['vat20', 3n, 1, 3n, 1n],
    ['vat20', 600_000n, 3, 1_800_000n, 300_000n],
  ] as const)('%s: %p × %p → total %p, VAT %p', (vatMode, priceMinor, quantity, totalMinor, vatMinor) => {
    const totals = computeInvoiceTotals({
      vatMode,
      lines: [{ name: 'x', quantity, unit: 'шт.', priceMinor }],
    });
    expect(totals.totalMinor).toBe(totalMinor);
    expect(totals.vatMinor).toBe(vatMinor);
  });

  test('the total is the sum of the line amounts', () => {
    const totals = computeInvoiceTotals({
      vatMode: 'none',
      lines: [
        { name: 'a', quantity: 2, unit: 'шт.', priceMinor: 150_050n },
        { name: 'b', quantity: 1, unit: 'шт.', priceMinor: 99n },
      ],
    });
    expect(totals.lineAmountsMinor).toEqual([300_100n, 99n]);
    expect(totals.totalMinor).toBe(300_199n);
  });
});

describe('validateInvoice', () => {
  const bad: [string, InvoiceDocument][] = [
    [
      'a reward invoice with another wording',
      { ...rewardInvoice, lines: [{ ...rewardInvoiceLine(100n), name: 'Вознаграждение' }] },
    ],
    [
      'a reward invoice with two lines',
      { ...rewardInvoice, lines: [rewardInvoiceLine(100n), rewardInvoiceLine(100n)] },
    ],
    ['no lines', { ...netInvoice, lines: [] }],
    [
      'a fractional quantity',
      { ...netInvoice, lines: [{ name: 'x', quantity: 1.5, unit: 'шт.', priceMinor: 1n }] },
    ],
    [
      'a negative price',
      { ...netInvoice, lines: [{ name: 'x', quantity: 1, unit: 'шт.', priceMinor: -1n }] },
    ],
    ['VAT charged by a self-employed seller', { ...rewardInvoice, seller: selfEmployed, vatMode: 'vat20' }],
  ];
  test.each(bad)('rejects %s', (_name, invoice) => {
    expect(() => validateInvoice(invoice)).toThrow(RangeError);
  });

  test('accepts the sample invoices', () => {
    expect(() => validateInvoice(rewardInvoice)).not.toThrow();
    expect(() => validateInvoice(netInvoice)).not.toThrow();
  });
});

describe('renderInvoicePdf', () => {
  test('a reward invoice shows number, date, both parties, the exact line, «Без НДС» and the amount in words', async () => {
    const pdf = await renderInvoicePdf(rewardInvoice);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text, pageCount, info } = await extractPdf(pdf);

    expect(pageCount).toBe(1);
    expect(text).toContain('Счёт на оплату № П-15 от 1 декабря 2026 г.');
    expect(normalizeSpaces(String(info.Title))).toBe('Счёт на оплату № П-15 от 1 декабря 2026 г.');
    expect(info.Author).toBe('ИП Иванов Иван Иванович');

    // The seller's bank block.
    expect(text).toContain('Банк получателя');
    expect(text).toContain('АО «ТБанк», г. Москва');
    expect(text).toContain('БИК 044525974');
    expect(text).toContain('Сч. № 30101810145250000974');
    expect(text).toContain('Сч. № 40802810100000123456');
    expect(text).toContain('ИНН 500100732259');
    expect(text).toContain('Получатель');
    expect(text).toMatch(
      /Поставщик \(Исполнитель\):.*ИП Иванов Иван Иванович, ИНН 500100732259, ОГРНИП 304500116000157/,
    );

    // The buyer with full requisites.
    expect(text).toMatch(
      /Покупатель \(Заказчик\):.*ООО «ЛидСендер», ИНН 7707083893, КПП 773601001, ОГРН 1027700132195/,
    );
    expect(text).toContain(
      'расч. счёт 40702810938000012345 в ПАО Сбербанк, г. Москва, БИК 044525225, корр. счёт 30101810400000000225',
    );
    expect(text).toContain('Основание: Договор привлечения новых пользователей № 12 от 1 ноября 2026 г.');

    // The table and the totals.
    for (const header of ['№', 'Наименование', 'Кол-во', 'Ед.', 'Цена', 'Сумма'])
      expect(text).toContain(header);
    expect(text).toContain(REWARD_INVOICE_LINE_NAME);
    expect(text).toContain('Итого: 12 000,00');
    expect(text).toContain('Без НДС');
    expect(text).not.toContain('В том числе НДС');
    expect(text).toContain('Всего к оплате: 12 000,00');
    expect(text).toContain('Всего наименований 1, на сумму 12 000,00 руб.');
    expect(text).toContain('Двенадцать тысяч рублей 00 копеек');
    expect(text).toContain('Назначение платежа: Оплата по счёту № П-15 от 01.12.2026. Без НДС');
    expect(text).toContain('Индивидуальный предприниматель');
  });

  test('a net invoice with VAT shows the VAT included, the due date and the card warning', async () => {
    const { text } = await extractPdf(await renderInvoicePdf(netInvoice));
    expect(text).toContain('Счёт на оплату № НС-2026-0042 от 20 ноября 2026 г.');
    expect(text).toContain('ПАО Сбербанк, г. Москва');
    expect(text).toContain('ИНН 7707083893');
    expect(text).toContain('КПП 773601001');
    expect(text).toContain('БИК 044525225');
    expect(text).toContain('Сч. № 40702810938000012345');
    expect(text).toContain(
      'расч. счёт 40802810100000123456 в АО «ТБанк», г. Москва, БИК 044525974, корр. счёт 30101810145250000974',
    );
    expect(text).toContain('Итого: 6 000,00');
    expect(text).toContain('В том числе НДС 20 %: 1 000,00');
    expect(text).not.toContain('Без НДС');
    expect(text).toContain('Всего наименований 1, на сумму 6 000,00 руб.');
    expect(text).toContain('Шесть тысяч рублей 00 копеек');
    expect(text).toContain('В том числе НДС 20 %: 1 000,00 руб.');
    expect(text).toContain('Счёт действителен до 30 ноября 2026 г.');
    expect(text).toContain('закрывающие документы для юридического лица не предоставляются');
    expect(text).toContain('Генеральный директор');
    expect(text).toContain('Смирнов А. В.');
  });

  test('a self-employed partner invoices without VAT and is named as a professional-income taxpayer', async () => {
    const invoice: InvoiceDocument = {
      ...rewardInvoice,
      seller: selfEmployed,
      buyer: vendor,
      lines: [rewardInvoiceLine(480_000n)],
    };
    const { text } = await extractPdf(await renderInvoicePdf(invoice));
    expect(text).toContain(
      'Петрова Мария Сергеевна, плательщик налога на профессиональный доход, ИНН 772345678901',
    );
    expect(text).toContain('Без НДС');
    expect(text).toContain('Четыре тысячи восемьсот рублей 00 копеек');
  });

  test('many lines flow onto further pages with the header repeated', async () => {
    const invoice: InvoiceDocument = {
      ...netInvoice,
      lines: Array.from({ length: 60 }, (_, index) => ({
        name: `Лицензия № ${index + 1}`,
        quantity: 1,
        unit: 'шт.',
        priceMinor: 100_000n,
      })),
    };
    const { text, pageCount } = await extractPdf(await renderInvoicePdf(invoice));
    expect(pageCount).toBeGreaterThan(1);
    expect(text).toContain('Лицензия № 60');
    expect(text).toContain('Всего наименований 60, на сумму 60 000,00 руб.');
    expect(text).toContain('Шестьдесят тысяч рублей 00 копеек');
  });

  test('the same input renders the same bytes', async () => {
    expect(await rendersTheSameBytes(() => renderInvoicePdf(rewardInvoice))).toBe(true);
  });

  test('invalid input is rejected before rendering', () => {
    expect(() => renderInvoicePdf({ ...rewardInvoice, lines: [] })).toThrow(RangeError);
  });

  test('writes sample invoices for a visual check, and they read back whole', async () => {
    const reward = await writeSamplePdf('invoice-sample.pdf', await renderInvoicePdf(rewardInvoice));
    expect(reward.pageCount).toBe(1);
    expect(reward.text).toContain('Счёт на оплату № П-15 от 1 декабря 2026 г.');
    const net = await writeSamplePdf('invoice-net-sample.pdf', await renderInvoicePdf(netInvoice));
    expect(net.pageCount).toBe(1);
    expect(net.text).toContain('Счёт на оплату № НС-2026-0042');
  });
});
