import { loadPreset } from '../../../../server/src/programs/program.presets';
import type { ProgramDoc } from '../../types';
import {
  buildDocument,
  formatMultiplier,
  parseDays,
  parseField,
  parseFixed,
  parseMultiplier,
  pathsOf,
  productsOf,
  textOf,
} from './programForm';

const preset = (name: 'leadsender' | 'cloudlessons') => loadPreset(name) as ProgramDoc;
const formOf = (doc: ProgramDoc) => Object.fromEntries(pathsOf(doc).map((p) => [p, textOf(doc, p)]));

describe('typed numbers become integers on the digit string', () => {
  test.each([
    ['40', 2, 4000],
    ['40,5', 2, 4050],
    ['40.25 %', 2, 4025],
    ['1 000', 2, 100_000],
    ['1\u00a0000,5 ₽', 2, 100_050],
    ['0', 2, 0],
    ['14', 0, 14],
    ['40,555', 2, null],
    ['1,5', 0, null],
    ['-5', 2, null],
    ['abc', 2, null],
    ['', 2, null],
  ])('%j with %i decimals → %j', (text, digits, expected) => {
    expect(parseFixed(text, digits)).toBe(expected);
  });
});

describe('level multipliers', () => {
  test.each([
    ['4/3', { numerator: 4, denominator: 3 }],
    ['1,2', { numerator: 6, denominator: 5 }],
    ['×1.2', { numerator: 6, denominator: 5 }],
    ['120 %', { numerator: 6, denominator: 5 }],
    ['1', { numerator: 1, denominator: 1 }],
    ['0', null],
    ['0/3', null],
    ['2000/1', null],
    ['один', null],
  ])('%j → %j', (text, expected) => {
    expect(parseMultiplier(text)).toEqual(expected);
  });

  test.each([
    [{ numerator: 6, denominator: 5 }, '1,2'],
    [{ numerator: 1, denominator: 1 }, '1'],
    [{ numerator: 4, denominator: 3 }, '4/3'],
    [{ numerator: 5, denominator: 8 }, '0,625'],
  ])('%j is shown as %j', (multiplier, text) => {
    expect(formatMultiplier(multiplier)).toBe(text);
  });
});

test.each([
  ['1, 15', [1, 15]],
  ['15 1 15', [1, 15]],
  ['28', [28]],
  ['0, 15', null],
  ['29', null],
  ['1, x', null],
  ['', null],
])('payout days %j → %j', (text, expected) => {
  expect(parseDays(text)).toEqual(expected);
});

test.each([
  ['rewards.0.amount.byChannelBps.vendor_direct', '140', 'prog.err.over'],
  ['rewards.0.amount.rateBps', 'сорок', 'prog.err.bps'],
  ['policies.payout.daysOfMonth', '31', 'prog.err.days'],
  ['policies.payout.minMinor', '', 'prog.err.rub'],
  ['policies.payout.holdDays', '1,5', 'prog.err.int'],
  ['levels.bands.0.title.ru', ' ', 'prog.err.text'],
  ['levels.bands.1.multiplier', '0', 'prog.err.mult'],
])('%s = %j is refused with %s', (path, text, error) => {
  expect(parseField(path, text)).toEqual({ error });
});

describe('the form and the document', () => {
  test('leadsender: its rates and payout policy as the form shows them', () => {
    expect(formOf(preset('leadsender'))).toEqual({
      'rewards.0.amount.byChannelBps.vendor_direct': '40',
      'rewards.0.amount.byChannelBps.partner_net': '50',
      'policies.payout.daysOfMonth': '1, 15',
      'policies.payout.minMinor': '1000',
      'policies.payout.holdDays': '14',
    });
  });

  test('an unchanged form gives back the document in force', () => {
    for (const name of ['leadsender', 'cloudlessons'] as const) {
      const doc = preset(name);
      expect(buildDocument(doc, formOf(doc), productsOf(doc))).toEqual({ doc, errors: {} });
    }
  });

  test('changed fields are set by path; the fields the form does not show are kept', () => {
    const doc = preset('cloudlessons');
    const values = {
      ...formOf(doc),
      'rewards.0.amount.defaultBps': '35,5',
      'levels.bands.1.multiplier': '125 %',
      'policies.payout.minMinor': '500,50',
    };
    const products = { 0: [['cl-course', '40'] as [string, string]] };
    const { doc: next, errors } = buildDocument(doc, values, products);
    expect(errors).toEqual({});
    expect(next.rewards[0]!.amount).toEqual({
      kind: 'percent_by_product',
      defaultBps: 3550,
      productsBps: { 'cl-course': 4000 },
    });
    expect(next.levels!.bands[1]!.multiplier).toEqual({ numerator: 5, denominator: 4 });
    expect(next.policies.payout.minMinor).toBe(50_050);
    expect(next.attribution).toEqual(doc.attribution);
    expect(next.policies.selfPurchase).toEqual(doc.policies.selfPurchase);
    // The document in force is not touched.
    expect(doc.policies.payout.minMinor).toBe(100_000);
  });

  test('errors are named by the path the server would name', () => {
    const doc = preset('cloudlessons');
    const values = { ...formOf(doc), 'levels.bands.0.min': 'x' };
    const products = {
      0: [
        ['book', '140'],
        ['', '10'],
        ['book', '10'],
      ] as Array<[string, string]>,
    };
    expect(buildDocument(doc, values, products).errors).toEqual({
      'levels.bands.0.min': 'prog.err.int',
      'rewards.0.amount.productsBps.book': 'prog.err.over',
      'rewards.0.amount.productsBps.#1': 'prog.err.code',
      'rewards.0.amount.productsBps.#2': 'prog.err.code',
    });
  });
});
