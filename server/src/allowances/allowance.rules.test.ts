import {
  addMonths,
  allowanceOf,
  amountLeft,
  bonusCodeRefusal,
  countLeft,
  freeMonthRefusal,
  monthOf,
  quarterOf,
  trialMonthOf,
  type AllowanceTerms,
} from './allowance.rules';

/** Seed 004's limits, as the allowance block of the tests' document writes them. */
const CODES: AllowanceTerms = {
  id: 'bonus_codes',
  title: { ru: 'Бонусные коды пополнения баланса' },
  kind: 'bonus_codes',
  perPartnerPerQuarter: { count: 10, amountMinor: 3_000_000 },
  perClient: { count: 1 },
};
const MONTHS: AllowanceTerms = {
  id: 'free_months',
  title: { ru: 'Бесплатные месяцы' },
  kind: 'free_months',
  perClient: { count: 2 },
  notAfterTrialMonth: true,
  notConsecutive: true,
};

describe('the Moscow calendar of allowances', () => {
  test.each([
    ['2026-03-31T20:59:59.999Z', '2026-Q1', '2026-03'], // 31 March 23:59:59.999 MSK
    ['2026-03-31T21:00:00.000Z', '2026-Q2', '2026-04'], // 1 April 00:00 MSK, still 31 March in UTC
    ['2026-01-01T00:00:00.000Z', '2026-Q1', '2026-01'],
    ['2025-12-31T20:59:59.999Z', '2025-Q4', '2025-12'],
    ['2025-12-31T21:00:00.000Z', '2026-Q1', '2026-01'], // New Year in Moscow
    ['2026-06-30T21:00:00.000Z', '2026-Q3', '2026-07'],
    ['2026-09-30T20:59:59.999Z', '2026-Q3', '2026-09'],
    ['2026-09-30T21:00:00.000Z', '2026-Q4', '2026-10'],
  ])('%s is in quarter %s, month %s', (at, quarter, month) => {
    expect(quarterOf(new Date(at))).toBe(quarter);
    expect(monthOf(new Date(at))).toBe(month);
  });

  test.each([
    ['2026-01', 1, '2026-02'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-05', 12, '2027-05'],
    ['2026-05', -17, '2024-12'],
  ])('%s moved by %i months is %s', (month, n, expected) => {
    expect(addMonths(month, n)).toBe(expected);
  });

  test("the trial month is the Moscow month of the client's first pin, whichever partner held it", () => {
    expect(trialMonthOf([])).toBeNull();
    expect(trialMonthOf([new Date('2026-01-31T21:30:00Z')])).toBe('2026-02'); // 1 February 00:30 MSK
    expect(trialMonthOf([new Date('2026-05-10T10:00:00Z'), new Date('2026-03-20T10:00:00Z')])).toBe(
      '2026-03',
    );
  });

  test('quotas left never go below zero, and no limit is no number', () => {
    expect(countLeft(10, 3)).toBe(7);
    expect(countLeft(5, 7)).toBe(0);
    expect(countLeft(undefined, 7)).toBeNull();
    expect(amountLeft(3_000_000n, 2_500_000n)).toBe(500_000n);
    expect(amountLeft(3_000_000n, 3_100_000n)).toBe(0n);
  });

  test('the allowance of a kind is the first the document lists, or none', () => {
    expect(allowanceOf([MONTHS, CODES, { ...CODES, id: 'second' }], 'bonus_codes')).toBe(CODES);
    expect(allowanceOf([MONTHS], 'bonus_codes')).toBeNull();
    expect(allowanceOf(undefined, 'free_months')).toBeNull();
  });
});

describe('a bonus code', () => {
  const used = (count: number, rub: number) => ({ count, amountMinor: BigInt(rub * 100) });
  const decide = (amountRub: number, usedSoFar: { count: number; amountMinor: bigint }, clientCodes = 0) =>
    bonusCodeRefusal({
      allowance: CODES,
      amountMinor: BigInt(amountRub * 100),
      quarter: '2026-Q2',
      used: usedSoFar,
      clientCodes,
    });

  test('the worked example: after five codes of 5 000 ₽ a sixth of 6 000 ₽ is refused, of 5 000 ₽ issued', () => {
    const refused = decide(6_000, used(5, 25_000));
    expect(refused).toMatchObject({
      rule: 'allowances.bonus_codes.perPartnerPerQuarter.amountMinor',
      path: 'amountMinor',
    });
    expect(refused?.message.replace(/\u00a0/g, ' ')).toBe(
      'allowances.bonus_codes.perPartnerPerQuarter.amountMinor: 30 000,00 ₽ per quarter, 25 000,00 ₽ used in 2026-Q2, 5 000,00 ₽ left',
    );
    expect(refused?.messageRu.replace(/\u00a0/g, ' ')).toBe(
      'Бонусных кодов в квартал — не больше чем на 30 000,00 ₽: во II квартале 2026 г. выдано на 25 000,00 ₽, осталось 5 000,00 ₽',
    );
    expect(decide(5_000, used(5, 25_000))).toBeNull();
  });

  test.each([
    ['the eleventh code of a quarter', 100, used(10, 10_000), 0, 'perPartnerPerQuarter.count', 'body'],
    ['the tenth code of a quarter', 100, used(9, 9_000), 0, null, null],
    ['a code up to the amount exactly', 1, used(9, 29_999), 0, null, null],
    ['a kopeck over the amount', 1.01, used(9, 29_999), 0, 'perPartnerPerQuarter.amountMinor', 'amountMinor'],
    [
      'one code over the whole quota alone',
      30_000.01,
      used(0, 0),
      0,
      'perPartnerPerQuarter.amountMinor',
      'amountMinor',
    ],
    ['a second code for the same client', 100, used(1, 100), 1, 'perClient.count', 'clientAccountId'],
    [
      'both quarter quotas spent: the count is named',
      100,
      used(10, 30_000),
      0,
      'perPartnerPerQuarter.count',
      'body',
    ],
    [
      'the client has its code and the quarter is spent: the client is named',
      100,
      used(10, 30_000),
      1,
      'perClient.count',
      'clientAccountId',
    ],
  ])('%s', (_name, amountRub, usedSoFar, clientCodes, rule, path) => {
    const refusal = decide(amountRub, usedSoFar, clientCodes);
    expect(refusal && { rule: refusal.rule, path: refusal.path }).toEqual(
      rule === null ? null : { rule: `allowances.bonus_codes.${rule}`, path },
    );
  });

  test('names the quarter and the count in both languages', () => {
    const refusal = decide(100, used(10, 10_000));
    expect(refusal?.message).toBe(
      'allowances.bonus_codes.perPartnerPerQuarter.count: 10 codes per quarter, 10 granted in 2026-Q2',
    );
    expect(refusal?.messageRu).toBe(
      'Не больше 10 бонусных кодов в квартал: во II квартале 2026 г. уже предоставлено 10',
    );
  });

  test('an allowance without limits refuses nothing', () => {
    const unlimited: AllowanceTerms = { ...CODES, perPartnerPerQuarter: undefined, perClient: undefined };
    expect(
      bonusCodeRefusal({
        allowance: unlimited,
        amountMinor: 10n ** 12n,
        quarter: '2026-Q2',
        used: used(1000, 1e9),
        clientCodes: 7,
      }),
    ).toBeNull();
  });
});

describe('a free month', () => {
  const decide = (
    month: string,
    clientMonths: string[] = [],
    overrides: Partial<Parameters<typeof freeMonthRefusal>[0]> = {},
  ) =>
    freeMonthRefusal({
      allowance: MONTHS,
      month,
      currentMonth: '2026-03',
      trialMonth: '2026-03',
      clientMonths,
      quarter: '2026-Q1',
      usedInQuarter: 0,
      ...overrides,
    });
  const ruleOf = (refusal: ReturnType<typeof decide>) => refusal && `${refusal.rule} @ ${refusal.path}`;

  test.each([
    [
      'the month right after the trial month',
      '2026-04',
      [],
      'allowances.free_months.notAfterTrialMonth @ month',
    ],
    ['the trial month itself', '2026-03', [], null],
    ['two months after the trial', '2026-05', [], null],
    ['the month after a free month', '2026-06', ['2026-05'], 'allowances.free_months.notConsecutive @ month'],
    [
      'the month before a free month',
      '2026-06',
      ['2026-07'],
      'allowances.free_months.notConsecutive @ month',
    ],
    ['a paid month between two free ones', '2026-07', ['2026-05'], null],
    [
      'a third free month',
      '2026-11',
      ['2026-05', '2026-08'],
      'allowances.free_months.perClient.count @ clientAccountId',
    ],
    ['the same month again', '2026-05', ['2026-05'], 'allowances.free_months.month @ month'],
    ['a month already past', '2026-02', [], 'allowances.free_months.month @ month'],
    [
      'across the year: December after a free January',
      '2026-12',
      ['2027-01'],
      'allowances.free_months.notConsecutive @ month',
    ],
    ['the month after a trial in December', '2027-01', [], null],
  ])('%s', (_name, month, clientMonths, expected) => {
    expect(ruleOf(decide(month, clientMonths))).toBe(expected);
  });

  test('the month after a December trial is January of the next year', () => {
    expect(ruleOf(decide('2027-01', [], { trialMonth: '2026-12', currentMonth: '2026-12' }))).toBe(
      'allowances.free_months.notAfterTrialMonth @ month',
    );
  });

  test('without the calendar rules adjacent months and the month after the trial are free to give', () => {
    const plain: AllowanceTerms = { ...MONTHS, notAfterTrialMonth: false, notConsecutive: undefined };
    expect(decide('2026-04', [], { allowance: plain })).toBeNull();
    expect(decide('2026-06', ['2026-05'], { allowance: plain })).toBeNull();
    expect(decide('2026-04', [], { trialMonth: null })).toBeNull();
  });

  test('a quarterly count, when the program sets one, counts the partner’s grants', () => {
    const quarterly: AllowanceTerms = { ...MONTHS, perPartnerPerQuarter: { count: 3 } };
    expect(ruleOf(decide('2026-05', [], { allowance: quarterly, usedInQuarter: 3 }))).toBe(
      'allowances.free_months.perPartnerPerQuarter.count @ body',
    );
    expect(decide('2026-05', [], { allowance: quarterly, usedInQuarter: 2 })).toBeNull();
  });

  test('says the rule in both languages', () => {
    expect(decide('2026-04')).toMatchObject({
      message:
        'allowances.free_months.notAfterTrialMonth: 2026-04 is the month right after the trial month 2026-03',
      messageRu: 'Бесплатным не может быть месяц, следующий за тестовым (2026-03)',
    });
    expect(decide('2026-11', ['2026-05', '2026-08'])).toMatchObject({
      message: 'allowances.free_months.perClient.count: 2 free month(s) per client, 2 granted to this client',
      messageRu: 'Клиенту можно не больше 2 бесплатных месяцев: уже предоставлено 2',
    });
  });
});
