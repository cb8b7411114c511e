import type { Settlement } from '../programs/program';
import { loadPreset } from '../programs/program.presets';
import { periodsDue, settlementAmount } from './settlement.rules';

const NBSP = '\u00a0';
// The oblakoteka preset's own settlements (seed 004): the KVM rebate twice a year, the growth rebate quarterly.
const [kvm, , growth] = loadPreset('oblakoteka').settlements! as [Settlement, Settlement, Settlement];
const windows = (asOf: string, list: Settlement[], lookback?: number) =>
  periodsDue(list, asOf, lookback).map((d) => [
    d.settlement.id,
    d.runDate,
    `${d.period.fromDate}..${d.period.toDate}`,
    d.previous && `${d.previous.fromDate}..${d.previous.toDate}`,
  ]);

describe('periodsDue: the periods whose run date has come', () => {
  test('KVM twice a year: January settles July–December, July settles January–June', () => {
    expect(windows('2027-01-01', [kvm])).toEqual([
      ['kvm', '2026-07-01', '2026-01-01..2026-06-30', null],
      ['kvm', '2027-01-01', '2026-07-01..2026-12-31', null],
    ]);
    // The day before the run, the second half is not yet due.
    expect(windows('2026-12-31', [kvm])).toEqual([
      ['kvm', '2026-01-01', '2025-07-01..2025-12-31', null],
      ['kvm', '2026-07-01', '2026-01-01..2026-06-30', null],
    ]);
  });

  test('growth each quarter: the quarter just ended against the one before, across a year end', () => {
    expect(windows('2026-07-15', [growth], 3)).toEqual([
      ['growth', '2026-07-01', '2026-04-01..2026-06-30', '2026-01-01..2026-03-31'],
    ]);
    expect(windows('2027-01-01', [growth], 1)).toEqual([
      ['growth', '2027-01-01', '2026-10-01..2026-12-31', '2026-07-01..2026-09-30'],
    ]);
    expect(windows('2026-04-01', [growth], 1)[0]![3]).toBe('2025-10-01..2025-12-31');
  });
});

describe('settlementAmount', () => {
  const due = (s: Settlement, fromDate: string, toDate: string) => ({
    settlement: s,
    period: { fromDate, toDate },
  });

  test("seed 004's worked example: Q1 200 000 ₽ → Q2 260 000 ₽ gives 18 000 ₽; Q3 240 000 ₽ gives nothing", () => {
    const q2 = settlementAmount(due(growth, '2026-04-01', '2026-06-30'), 26_000_000n, 20_000_000n);
    expect(q2.amountMinor).toBe(1_800_000n);
    expect(q2.calculation).toBe(
      `Рибейт за рост выручки за основные сервисы за 01.04.2026–30.06.2026: (260${NBSP}000,00${NBSP}₽ − 200${NBSP}000,00${NBSP}₽) × 30${NBSP}% = 18${NBSP}000,00${NBSP}₽`,
    );
    const q3 = settlementAmount(due(growth, '2026-07-01', '2026-09-30'), 24_000_000n, 26_000_000n);
    expect(q3.amountMinor).toBe(0n);
    expect(q3.calculation).toMatch(/не выросла/);
    // Equal revenue is no growth either.
    expect(settlementAmount(due(growth, '2026-07-01', '2026-09-30'), 100n, 100n).amountMinor).toBe(0n);
    // Q1 itself, after a quarter without revenue, is the base: nothing.
    const q1 = settlementAmount(due(growth, '2026-01-01', '2026-03-31'), 20_000_000n, 0n);
    expect(q1.amountMinor).toBe(0n);
    expect(q1.calculation).toMatch(/служит базой/);
  });

  test('a rebate is 10 % of the half-year, rounded once half away from zero', () => {
    const half = settlementAmount(due(kvm, '2026-01-01', '2026-06-30'), 123_455n, null);
    expect(half.amountMinor).toBe(12_346n);
    expect(half.calculation).toBe(
      `Рибейт за ElasticCloud на KVM за 01.01.2026–30.06.2026: 1${NBSP}234,55${NBSP}₽ × 10${NBSP}% = 123,46${NBSP}₽`,
    );
    expect(settlementAmount(due(kvm, '2026-01-01', '2026-06-30'), 0n, null).amountMinor).toBe(0n);
  });
});
