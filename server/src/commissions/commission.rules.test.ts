import {
  calculationInWords,
  commissionFor,
  divideRounded,
  netInvoiceFor,
  oneCommission,
  payoutAmount,
  reversalFor,
  withinGuarantee,
} from './commission.rules';

describe('rounding', () => {
  it.each([
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [4n, 2n, 2n],
    [1333320n, 10000n, 133n],
    [1335000n, 10000n, 134n],
    [-1335000n, 10000n, -134n],
    [0n, 7n, 0n],
  ])('%p / %p rounds half away from zero to %p', (n, d, expected) => {
    expect(divideRounded(n, d)).toBe(expected);
  });
});

describe('the worked examples of DOMAIN.md', () => {
  it.each([
    ['direct payment 12 000.00 ₽ at 40 %', 1_200_000n, 4000, 480_000n],
    ['renewal a year later, again 12 000.00 ₽', 1_200_000n, 4000, 480_000n],
    ['individual partner, 5 000.00 ₽ direct (recorded not payable)', 500_000n, 4000, 200_000n],
    ['odd amount 333.33 ₽ → 133.332 → 133.33 ₽', 33_333n, 4000, 13_333n],
    ['net sale 12 000.00 ₽ at 50 %', 1_200_000n, 5000, 600_000n],
    ['one kopeck at 50 % rounds up', 1n, 5000, 1n],
    ['one kopeck at 40 % rounds down', 1n, 4000, 0n],
    ['2.50 ₽ at 1 % is 2.5 kopecks → 3', 250n, 100, 3n],
  ])('%s', (_name, gross, rate, expected) => {
    expect(commissionFor(gross, rate)).toBe(expected);
  });

  it('a net sale of 12 000.00 ₽: the vendor invoices 6 000.00 ₽, the partner keeps 6 000.00 ₽', () => {
    const kept = { amountMinor: commissionFor(1_200_000n, 5000) };
    expect(netInvoiceFor(1_200_000n, [kept])).toEqual({ rewardMinor: 600_000n, amountMinor: 600_000n });
  });

  it('a net invoice subtracts every reward line, and with no reward the partner pays the full price', () => {
    const lines = [{ amountMinor: 500_000n }, { amountMinor: 100_000n }];
    expect(netInvoiceFor(1_200_000n, lines)).toEqual({ rewardMinor: 600_000n, amountMinor: 600_000n });
    expect(netInvoiceFor(1_200_000n, [])).toEqual({ rewardMinor: 0n, amountMinor: 1_200_000n });
  });

  // The worked example's direct sale: 12 000.00 ₽ paid, 4 800.00 ₽ commission (40 %).
  const directSale = { commissionMinor: 480_000n, grossMinor: 1_200_000n };

  it.each([
    ['partial refund: 3 000.00 ₽ of a 12 000.00 ₽ direct payment reverses 1 200.00 ₽', 300_000n, 120_000n],
    ['full refund reverses the whole commission', 1_200_000n, 480_000n],
  ])('%s', (_name, refundMinor, expected) => {
    expect(
      reversalFor({ ...directSale, refundedBeforeMinor: 0n, refundMinor, reversedBeforeMinor: 0n }),
    ).toBe(expected);
  });

  it('three refunds of a third of 333.33 ₽ reverse exactly the 133.33 ₽ commission, no drift', () => {
    let refunded = 0n;
    let reversed = 0n;
    for (const part of [11_111n, 11_111n, 11_111n]) {
      reversed += reversalFor({
        commissionMinor: 13_333n,
        grossMinor: 33_333n,
        refundedBeforeMinor: refunded,
        refundMinor: part,
        reversedBeforeMinor: reversed,
      });
      refunded += part;
    }
    expect(reversed).toBe(13_333n);
  });

  it('refuses a refund above what was paid', () => {
    expect(() =>
      reversalFor({
        ...directSale,
        refundedBeforeMinor: 1_000_000n,
        refundMinor: 200_001n,
        reversedBeforeMinor: 0n,
      }),
    ).toThrow(new RangeError('refund exceeds the payment'));
  });

  it('refuses a refund of nothing or less', () => {
    for (const refundMinor of [0n, -1n])
      expect(() =>
        reversalFor({ ...directSale, refundedBeforeMinor: 0n, refundMinor, reversedBeforeMinor: 0n }),
      ).toThrow(new RangeError('refund must be positive'));
  });

  it('within the guarantee a partial refund reverses the whole reward, less what was reversed before', () => {
    const base = { commissionMinor: 300_000n, grossMinor: 1_000_000n, refundMinor: 100_000n };
    expect(reversalFor({ ...base, refundedBeforeMinor: 0n, reversedBeforeMinor: 0n, inFull: true })).toBe(
      300_000n,
    );
    // Outside it the same refund reverses a tenth.
    expect(reversalFor({ ...base, refundedBeforeMinor: 0n, reversedBeforeMinor: 0n, inFull: false })).toBe(
      30_000n,
    );
    expect(
      reversalFor({ ...base, refundedBeforeMinor: 100_000n, reversedBeforeMinor: 30_000n, inFull: true }),
    ).toBe(270_000n);
  });
});

describe('the guarantee period (seed 000: 30 days)', () => {
  const paidAt = new Date('2026-03-06T12:00:00+03:00');
  const DAY = 24 * 3600 * 1000;
  it.each([
    ['the same day', 0, 30, true],
    ['exactly 30 × 24 h later', 30 * DAY, 30, true],
    ['a millisecond past 30 days', 30 * DAY + 1, 30, false],
    ['a program without a guarantee', 1, undefined, false],
  ])('%s', (_name, after, days, expected) => {
    expect(withinGuarantee(paidAt, new Date(paidAt.getTime() + after), days)).toBe(expected);
  });
});

describe('a statement line in words', () => {
  const nb = (text: string) => text.replace(/ (?=₽|%)/g, '\u00a0').replace(/(\d) (?=\d{3})/g, '$1\u00a0');
  it.each([
    [
      'a payment: the rule title and the stored calculation',
      {
        kind: 'payment',
        grossMinor: 1_000_000n,
        rateBps: 3000,
        commissionMinor: 300_000n,
        calculation: nb('10 000,00 ₽ × 30 % = 3 000,00 ₽'),
      },
      'Вознаграждение за первый оплаченный заказ',
      'Вознаграждение за первый оплаченный заказ: 10 000,00 ₽ × 30 % = 3 000,00 ₽',
    ],
    [
      'a reward from before the engine: worked out from its rate',
      {
        kind: 'payment',
        grossMinor: 1_200_000n,
        rateBps: 4000,
        commissionMinor: 480_000n,
        calculation: null,
      },
      undefined,
      '12 000,00 ₽ × 40 % = 4 800,00 ₽',
    ],
    [
      'a calculation that already names its rule is not prefixed twice',
      {
        kind: 'payment',
        grossMinor: 100_000n,
        rateBps: 0,
        commissionMinor: 40_000n,
        calculation: nb('Бонус: фиксированно 400,00 ₽'),
      },
      'Бонус',
      'Бонус: фиксированно 400,00 ₽',
    ],
    [
      'a proportional refund',
      {
        kind: 'refund',
        refundMinor: 300_000n,
        paymentGrossMinor: 1_200_000n,
        commissionMinor: 480_000n,
        reversalMinor: 120_000n,
      },
      undefined,
      'Возврат 3 000,00 ₽ из 12 000,00 ₽: вознаграждение 4 800,00 ₽ уменьшено на 1 200,00 ₽',
    ],
    [
      'a partial refund reversed in full is the guarantee',
      {
        kind: 'refund',
        refundMinor: 100_000n,
        paymentGrossMinor: 1_000_000n,
        commissionMinor: 300_000n,
        reversalMinor: 300_000n,
      },
      undefined,
      'Возврат 1 000,00 ₽ из 10 000,00 ₽: вознаграждение 3 000,00 ₽ уменьшено на 3 000,00 ₽ — полностью, возврат в гарантийный срок',
    ],
    [
      'a full refund is simply full',
      {
        kind: 'refund',
        refundMinor: 1_000_000n,
        paymentGrossMinor: 1_000_000n,
        commissionMinor: 300_000n,
        reversalMinor: 300_000n,
      },
      undefined,
      'Возврат 10 000,00 ₽ из 10 000,00 ₽: вознаграждение 3 000,00 ₽ уменьшено на 3 000,00 ₽',
    ],
  ] as const)('%s', (_name, line, title, expected) => {
    expect(calculationInWords(line, title)).toBe(nb(expected));
  });
});

describe('payout amount', () => {
  it.each([
    ['pays the balance past the hold', 500_000n, 100_000n, 100_000n, 400_000n],
    ['nothing below the minimum', 150_000n, 60_000n, 100_000n, 0n],
    ['exactly the minimum is paid', 100_000n, 0n, 100_000n, 100_000n],
    ['a clawback balance pays nothing', -480_000n, 0n, 100_000n, 0n],
    ['everything still on hold', 480_000n, 480_000n, 100_000n, 0n],
    // With no minimum a clawback still pays nothing: the amount is never negative.
    ['a clawback with no minimum pays nothing', -5n, 0n, 0n, 0n],
    ['one kopeck with no minimum is paid', 1n, 0n, 0n, 1n],
  ])('%s', (_name, payable, held, min, expected) => {
    expect(payoutAmount({ payableMinor: payable, heldMinor: held, minPayoutMinor: min })).toBe(expected);
  });
});

describe('rates', () => {
  it('refuses rates outside 0–100 %', () => {
    const refused = new RangeError('rate must be 0..10000 bps');
    expect(() => commissionFor(100n, 10_001)).toThrow(refused);
    expect(() => commissionFor(100n, -1)).toThrow(refused);
    expect(() => commissionFor(100n, 40.5)).toThrow(refused);
  });

  it('accepts the edges: 0 % and 100 %, and a zero gross', () => {
    expect(commissionFor(12_345n, 0)).toBe(0n);
    expect(commissionFor(12_345n, 10_000)).toBe(12_345n);
    expect(commissionFor(0n, 4000)).toBe(0n);
  });

  it('refuses a negative gross', () => {
    expect(() => commissionFor(-1n, 4000)).toThrow(new RangeError('gross must not be negative'));
  });
});

describe('divideRounded', () => {
  it('refuses a zero or negative denominator', () => {
    const refused = new RangeError('denominator must be positive');
    expect(() => divideRounded(1n, 0n)).toThrow(refused);
    expect(() => divideRounded(1n, -2n)).toThrow(refused);
  });

  it('rounds negative numerators half away from zero too', () => {
    expect([-5n, -4n, -6n, -15n].map((n) => divideRounded(n, 10n))).toEqual([-1n, 0n, -1n, -2n]);
  });
});

describe('oneCommission: the reward lines of a payment as its one commission', () => {
  const line = (amountMinor: bigint, payable = true, reason: string | null = null) => ({
    ruleId: `r${amountMinor}`,
    rateBps: 4000,
    amountMinor,
    payable,
    reason,
    calculation: `line ${amountMinor}`,
  });

  it('one line is kept as it is', () => {
    expect(oneCommission([line(480_000n)], 1_200_000n)).toEqual({
      ruleId: 'r480000',
      rateBps: 4000,
      commissionMinor: 480_000n,
      payable: true,
      reason: null,
      calculation: 'line 480000',
    });
  });

  it('several lines add up; the rate is the total over the gross, rounded to a basis point', () => {
    expect(oneCommission([line(480_000n), line(100_000n)], 1_200_000n)).toMatchObject({
      ruleId: 'r480000+r100000',
      rateBps: 4833,
      commissionMinor: 580_000n,
      payable: true,
      calculation: 'line 480000; line 100000',
    });
  });

  it('one line not payable makes the whole commission not payable, with that line’s reason', () => {
    const result = oneCommission([line(480_000n), line(1n, false, 'kept_by_partner')], 1_200_000n);
    expect(result).toMatchObject({ payable: false, reason: 'kept_by_partner', commissionMinor: 480_001n });
  });

  it('one capped line keeps its own rate, not the amount over the gross', () => {
    const capped = { ...line(100_000n), rateBps: 4000 };
    expect(oneCommission([capped], 1_200_000n)).toMatchObject({ rateBps: 4000, commissionMinor: 100_000n });
  });

  it('fixed lines on a zero gross show a rate of 0 rather than dividing by zero', () => {
    expect(oneCommission([line(500n), line(700n)], 0n)).toMatchObject({
      rateBps: 0,
      commissionMinor: 1_200n,
    });
  });

  it('a line not payable without a reason still makes the commission not payable, with a reason', () => {
    const result = oneCommission([line(480_000n), line(1n, false, null)], 1_200_000n);
    expect(result).toMatchObject({ payable: false, reason: 'not_payable' });
  });

  it('no line is a programming error, never a zero commission', () => {
    expect(() => oneCommission([], 1_200_000n)).toThrow(RangeError);
  });
});
