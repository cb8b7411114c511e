import {
  NBSP,
  amountInWords,
  formatAmount,
  formatAmountForSpreadsheet,
  formatPercent,
  formatRateBps,
  formatRub,
  toDecimalString,
} from './money-words';

describe('amountInWords', () => {
  test.each([
    [1_200_000n, 'Двенадцать тысяч рублей 00 копеек'],
    [480_000n, 'Четыре тысячи восемьсот рублей 00 копеек'],
    [600_000n, 'Шесть тысяч рублей 00 копеек'],
    [13_333n, 'Сто тридцать три рубля 33 копейки'],
    [0n, 'Ноль рублей 00 копеек'],
    [1n, 'Ноль рублей 01 копейка'],
    [101n, 'Один рубль 01 копейка'],
    [2_102n, 'Двадцать один рубль 02 копейки'],
    [100_000n, 'Одна тысяча рублей 00 копеек'],
    [200_000n, 'Две тысячи рублей 00 копеек'],
    [100_000_000n, 'Один миллион рублей 00 копеек'],
    [11_111n, 'Сто одиннадцать рублей 11 копеек'],
    // Beyond Number.MAX_SAFE_INTEGER kopecks: exact, because no float is involved.
    [
      9_007_199_254_740_993n,
      'Девяносто триллионов семьдесят один миллиард девятьсот девяносто два миллиона пятьсот сорок семь тысяч четыреста девять рублей 93 копейки',
    ],
  ])('%p kopecks → «%s»', (minor, words) => {
    expect(amountInWords(minor)).toBe(words);
  });
});

describe('toDecimalString', () => {
  test.each([
    [1_200_000n, '12000.00'],
    [5n, '0.05'],
    [-120_000n, '-1200.00'],
    [-5n, '-0.05'],
  ])('%p → %s', (minor, text) => {
    expect(toDecimalString(minor)).toBe(text);
  });
});

describe('formatRub and formatAmount', () => {
  test.each([
    [1_200_000n, '12 000,00 ₽', '12 000,00', '12000,00'],
    [0n, '0,00 ₽', '0,00', '0,00'],
    [99n, '0,99 ₽', '0,99', '0,99'],
    [13_333n, '133,33 ₽', '133,33', '133,33'],
    [100_000_000_00n, '100 000 000,00 ₽', '100 000 000,00', '100000000,00'],
    [-120_000n, '-1 200,00 ₽', '-1 200,00', '-1200,00'],
    [-7n, '-0,07 ₽', '-0,07', '-0,07'],
  ])('%p → «%s»', (minor, rub, amount, spreadsheet) => {
    // Written with plain spaces for readability; the output uses no-break spaces throughout.
    expect(formatRub(minor)).toBe(rub.replace(/ /g, NBSP));
    expect(formatAmount(minor)).toBe(amount.replace(/ /g, NBSP));
    expect(formatAmountForSpreadsheet(minor)).toBe(spreadsheet);
  });

  test('uses no-break spaces only, so an amount never wraps', () => {
    expect(formatRub(123_456_789n)).not.toContain(' ');
  });

  test('groups digits like ru-RU Intl does', () => {
    const intl = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2 }).format(1234567.89);
    expect(formatAmount(123_456_789n)).toBe(intl);
  });
});

describe('formatRateBps', () => {
  test.each([
    [4000, '40', '40 %'],
    [5000, '50', '50 %'],
    [3750, '37,5', '37,5 %'],
    [3333, '33,33', '33,33 %'],
    [5, '0,05', '0,05 %'],
    [0, '0', '0 %'],
  ])('%p bps → %s', (bps, number, percent) => {
    expect(formatRateBps(bps)).toBe(number);
    expect(formatPercent(bps)).toBe(percent.replace(/ /g, NBSP));
  });

  test('rejects a fractional rate', () => {
    expect(() => formatRateBps(40.5)).toThrow(RangeError);
  });
});
