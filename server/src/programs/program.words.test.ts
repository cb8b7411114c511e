import { loadPreset } from './program.presets';
import { termsInWords } from './program.words';

/** The terms a statement prints, word for word, for the two presets (the seeds' own numbers). */
describe('the program in words', () => {
  test.each([
    [
      'leadsender (seed 001): pins, lifetime, 40 % direct and 50 % net kept, payouts after 14 days',
      'leadsender' as const,
      [
        'Клиент закрепляется за партнёром, который первым зарегистрировал его аккаунт amoCRM.',
        'Вознаграждение начисляется с каждой оплаты клиента, пока он закреплён за партнёром.',
        'Вознаграждение за оплату закреплённого клиента: 40 % при оплате клиентом вендору, 50 % при оплате через ' +
          'партнёра от суммы оплаты; выплачивается партнёру, при оплате через партнёра остаётся у него.',
        'Выплаты 1-го и 15-го числа месяца при остатке от 1 000,00 ₽, вознаграждение становится доступным через 14 дней.',
        'Выплаты производятся юридическим лицам, ИП, самозанятым с подписанным договором.',
        'Возврат уменьшает вознаграждение пропорционально возвращённой сумме; уже выплаченное удерживается из следующих.',
      ],
    ],
    [
      'cloudlessons (seed 000): last click in 7 days, first order, 30 %, levels, no hold, forfeit, guarantee',
      'cloudlessons' as const,
      [
        'Заказ засчитывается партнёру, по ссылке которого клиент перешёл последним в течение 7 дней до заказа.',
        'Вознаграждение начисляется только за первый оплаченный заказ клиента.',
        'Вознаграждение за первый оплаченный заказ: 30 % от суммы заказа, с множителем уровня партнёра; ' +
          'выплачивается партнёру.',
        'Уровни партнёра по числу оплаченных заказов: «Старт» от 0 — ×1, «Профи» от 10 — ×6/5, «Эксперт» от 50 — ×4/3; ' +
          'новый уровень действует со следующего заказа.',
        'Выплаты 1-го и 15-го числа месяца при остатке от 1 000,00 ₽.',
        'Выплаты производятся юридическим лицам, ИП, самозанятым с подписанным договором.',
        'При блокировке за нарушение правил программы невыплаченный остаток аннулируется.',
        'Возврат в течение 30 дней после оплаты (гарантийный срок) или повторная оплата заказа отменяет ' +
          'вознаграждение полностью, позже — уменьшает его пропорционально возвращённой сумме; отменённое ' +
          'вознаграждение удерживается из следующих.',
      ],
    ],
  ])('%s', (_name, preset, lines) => {
    expect(termsInWords(loadPreset(preset))).toEqual(lines.map(nbsp));
  });

  test.each([
    [1, '1 день'],
    [2, '2 дня'],
    [5, '5 дней'],
    [11, '11 дней'],
    [21, '21 день'],
    [22, '22 дня'],
    [112, '112 дней'],
  ])('a window of %i reads «%s»', (n, expected) => {
    const doc = loadPreset('cloudlessons');
    const lines = termsInWords({
      ...doc,
      attribution: { ...doc.attribution, windowDays: n } as typeof doc.attribution,
    });
    expect(lines[0]).toContain(nbsp(`в течение ${expected} до заказа`));
  });

  test('optional rule conditions and other beneficiaries are named', () => {
    const doc = loadPreset('cloudlessons');
    const rule = {
      ...doc.rewards[0]!,
      amount: { kind: 'fixed' as const, amountMinor: 40_000 },
      beneficiary: 'client' as const,
      form: 'points' as const,
      levelMultiplier: false,
      when: { minGrossMinor: 69_900, withinDaysOfAttribution: 30 },
      capMinor: 100_000,
    };
    expect(termsInWords({ ...doc, rewards: [rule] })[2]).toBe(
      nbsp(
        'Вознаграждение за первый оплаченный заказ: 400,00 ₽, за заказ от 699,00 ₽, если заказ оплачен в течение ' +
          '30 дней, не более 1 000,00 ₽, клиенту; начисляется баллами.',
      ),
    );
  });
});

/** The words keep numbers and units together with no-break spaces; the expectations are written with plain ones. */
function nbsp(text: string): string {
  return text.replace(/(\d) (?=[₽%]|дн|день|дня)/g, '$1\u00a0').replace(/(\d) (?=\d{3}\b)/g, '$1\u00a0');
}
