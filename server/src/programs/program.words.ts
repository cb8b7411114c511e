/**
 * The program document in plain Russian, for the documents a partner or an accountant reads (the monthly
 * statement's terms): one sentence per block the program uses, with its numbers. Pure: the same document gives
 * the same words, so a statement printed again says what it said.
 */
import { NBSP, formatPercent, formatRub } from '../documents/money-words';
import type { Amount, ProgramDocument, RewardRule } from './program';

const CHANNEL_WORDS = {
  vendor_direct: 'при оплате клиентом вендору',
  partner_net: 'при оплате через партнёра',
};
const KIND_WORDS = {
  legal_entity: 'юридическим лицам',
  sole_proprietor: 'ИП',
  self_employed: 'самозанятым',
  individual: 'физическим лицам',
};
const FORM_WORDS: Record<RewardRule['form'], string> = {
  payout: 'выплачивается партнёру',
  kept: 'остаётся у партнёра',
  discount: 'предоставляется скидкой',
  one_time_discount: 'предоставляется разовой скидкой',
  points: 'начисляется баллами',
};
const BENEFICIARY_WORDS: Record<RewardRule['beneficiary'], string> = {
  partner: 'партнёру',
  client: 'клиенту',
  upline: 'пригласившему партнёру',
  sales_manager: 'менеджеру продаж',
};

function days(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  const word =
    mod10 === 1 && mod100 !== 11
      ? 'день'
      : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)
        ? 'дня'
        : 'дней';
  return `${n}${NBSP}${word}`;
}

const rub = (minor: number) => formatRub(BigInt(minor));

function amountWords(amount: Amount): string {
  switch (amount.kind) {
    case 'percent': {
      const parts = Object.entries(amount.byChannelBps ?? {}).map(
        ([channel, bps]) => `${formatPercent(bps)} ${CHANNEL_WORDS[channel as keyof typeof CHANNEL_WORDS]}`,
      );
      if (amount.rateBps !== undefined) parts.unshift(formatPercent(amount.rateBps));
      return `${parts.join(', ')} от суммы оплаты`;
    }
    case 'percent_by_product': {
      const own = Object.entries(amount.productsBps).map(
        ([product, bps]) => `«${product}» — ${formatPercent(bps)}`,
      );
      const base = `${formatPercent(amount.defaultBps)} от суммы заказа`;
      return own.length ? `${base}; по продуктам: ${own.join(', ')}` : base;
    }
    case 'fixed':
      return rub(amount.amountMinor);
    case 'tier':
      return 'процент уровня партнёра по обороту для категории продукта';
    case 'share_of_rule':
      return `${formatPercent(amount.shareBps)} от вознаграждения по правилу «${amount.rule}»`;
  }
}

function ruleWords(rule: RewardRule): string {
  const parts = [`${rule.title.ru}: ${amountWords(rule.amount)}`];
  if (rule.levelMultiplier) parts.push('с множителем уровня партнёра');
  if (rule.when?.minGrossMinor !== undefined) parts.push(`за заказ от ${rub(rule.when.minGrossMinor)}`);
  if (rule.when?.withinDaysOfAttribution !== undefined)
    parts.push(`если заказ оплачен в течение ${days(rule.when.withinDaysOfAttribution)}`);
  if (rule.capMinor !== undefined) parts.push(`не более ${rub(rule.capMinor)}`);
  if (rule.beneficiary !== 'partner') parts.push(BENEFICIARY_WORDS[rule.beneficiary]);
  const kept =
    rule.formByChannel?.partner_net === 'kept' ? ', при оплате через партнёра остаётся у него' : '';
  return `${parts.join(', ')}; ${FORM_WORDS[rule.form]}${kept}.`;
}

function attributionWords(doc: ProgramDocument): string {
  const { attribution: a } = doc;
  switch (a.via) {
    case 'pin':
      return a.exclusive
        ? 'Клиент закрепляется за партнёром, который первым зарегистрировал его аккаунт amoCRM.'
        : 'Клиент привязывается к партнёру, который первым зарегистрировал его аккаунт amoCRM.';
    case 'link':
      return (
        `Заказ засчитывается партнёру, по ссылке которого клиент перешёл ${a.lastClickWins ? 'последним' : 'первым'} ` +
        `в течение ${days(a.windowDays)} до заказа.`
      );
    case 'code':
      return a.withinDays
        ? `Заказ засчитывается партнёру, чей промокод клиент применил не раньше чем за ${days(a.withinDays)} до заказа.`
        : 'Заказ засчитывается партнёру, чей промокод применил клиент.';
    case 'self':
      return 'Вознаграждение начисляется на собственные покупки партнёра.';
  }
}

function bindingWords(doc: ProgramDocument): string {
  switch (doc.binding.earns) {
    case 'lifetime':
      return 'Вознаграждение начисляется с каждой оплаты клиента, пока он закреплён за партнёром.';
    case 'first_order':
      return 'Вознаграждение начисляется только за первый оплаченный заказ клиента.';
    case 'first_months':
      return `Вознаграждение начисляется с оплат клиента в первые ${doc.binding.months} мес. после привлечения.`;
  }
}

function levelWords(doc: ProgramDocument): string | null {
  if (!doc.levels) return null;
  const bands = [...doc.levels.bands]
    .sort((a, b) => a.min - b.min)
    .map((band) => {
      const { numerator, denominator } = band.multiplier;
      const multiplier = denominator === 1 ? `×${numerator}` : `×${numerator}/${denominator}`;
      return `«${band.title.ru}» от ${band.min} — ${multiplier}`;
    });
  const from = doc.levels.appliesFrom === 'next_order' ? 'со следующего заказа' : 'с того же заказа';
  return `Уровни партнёра по числу оплаченных заказов: ${bands.join(', ')}; новый уровень действует ${from}.`;
}

function payoutWords(doc: ProgramDocument): string[] {
  const { payout } = doc.policies;
  const kinds = payout.eligibleKinds.map((k) => KIND_WORDS[k]).join(', ');
  const lines = [
    `Выплаты ${payout.daysOfMonth.map((d) => `${d}-го`).join(' и ')} числа месяца при остатке от ` +
      `${rub(payout.minMinor)}` +
      (payout.holdDays > 0 ? `, вознаграждение становится доступным через ${days(payout.holdDays)}.` : '.'),
    `Выплаты производятся ${kinds}${payout.contractRequired ? ' с подписанным договором' : ''}.`,
  ];
  if (payout.forfeitOnBlock)
    lines.push('При блокировке за нарушение правил программы невыплаченный остаток аннулируется.');
  return lines;
}

function refundWords(doc: ProgramDocument): string {
  const full = doc.policies.fullReversalWithinDays;
  const proportional = 'пропорционально возвращённой сумме';
  return full
    ? `Возврат в течение ${days(full)} после оплаты (гарантийный срок) или повторная оплата заказа отменяет ` +
        `вознаграждение полностью, позже — уменьшает его ${proportional}; отменённое вознаграждение удерживается из следующих.`
    : `Возврат уменьшает вознаграждение ${proportional}; уже выплаченное удерживается из следующих.`;
}

/** The program's terms, one sentence each: who gets the client, what earns, how much, payouts, refunds. */
export function termsInWords(doc: ProgramDocument): string[] {
  return [
    attributionWords(doc),
    bindingWords(doc),
    ...doc.rewards.map(ruleWords),
    ...[levelWords(doc)].filter((line): line is string => line !== null),
    ...payoutWords(doc),
    refundWords(doc),
  ];
}
