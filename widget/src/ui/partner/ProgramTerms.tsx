/**
 * The «Программа» tab: the program's terms in words (rates, which orders earn, payouts) and the partner's
 * level with the progress to the next, all as `GET /api/v1/program` sends them; under a link program,
 * the partner's links below, under a code program its promo code.
 */
import type { ComponentChildren } from 'preact';
import { formatBps } from '../../format';
import type { ProgramTerms as Terms } from '../../types';
import { tOr, useCtx, useLoad } from '../ctx';
import { Loaded, Money, Section } from '../kit';
import { LinksSection, PromoCodeSection } from './Links';

/** «3 заказа», «9 заказов», «1 заказ»: the Russian plural of `aff.orders_<form>`. */
export function ordersWord(t: (k: string) => string, n: number): string {
  return t(`aff.orders_${new Intl.PluralRules('ru').select(n)}`);
}

function Rates({ terms }: { terms: Terms }) {
  const { t, lang } = useCtx();
  const rows: Array<[string, ComponentChildren]> = [];
  for (const rule of terms.rewards) {
    if (rule.beneficiary !== 'partner') continue;
    const title = (lang === 'en' && rule.title.en) || rule.title.ru;
    const a = rule.amount;
    if (a.kind === 'percent') {
      if (a.rateBps !== undefined) rows.push([title, formatBps(a.rateBps)]);
      for (const [channel, bps] of Object.entries(a.byChannelBps ?? {}))
        rows.push([tOr(t, `money.channel_${channel}`, channel), formatBps(bps)]);
    } else if (a.kind === 'percent_by_product') {
      rows.push([title, formatBps(a.defaultBps)]);
      for (const [product, bps] of Object.entries(a.productsBps)) rows.push([product, formatBps(bps)]);
    } else if (a.kind === 'fixed') rows.push([title, <Money minor={a.amountMinor} />]);
    else rows.push([title, '']);
  }
  const p = terms.payout;
  rows.push(
    [
      t('aff.earns'),
      t(`aff.binding_${terms.binding.earns}`, {
        months: terms.binding.earns === 'first_months' ? terms.binding.months : 0,
      }),
    ],
    [t('aff.payout_days'), p.daysOfMonth.join(', ')],
    [t('aff.payout_min'), <Money minor={p.minMinor} />],
    [t('aff.hold'), p.holdDays ? t('aff.days', { n: p.holdDays }) : t('aff.no_hold')],
  );
  if (terms.attribution.via === 'link')
    rows.push([t('aff.window'), t('aff.days', { n: terms.attribution.windowDays })]);
  return (
    <dl class="amop-dl" data-terms={terms.name}>
      {rows.map(([k, v], i) => (
        <div key={i} class="amop-dl__row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The level now and how many orders the next one needs. */
export function LevelLine({ level }: { level: NonNullable<Terms['level']> }) {
  const { t, lang } = useCtx();
  const name = (w: { ru: string; en?: string }) => (lang === 'en' && w.en) || w.ru;
  const next = level.next;
  return (
    <p data-level={level.code}>
      {t('aff.level', { level: name(level.title) })}
      {next && (
        <>
          {' '}
          <progress value={level.measure} max={next.min} />{' '}
          <span class="amop-muted" data-level-remaining={next.remaining}>
            {t('aff.to_next', {
              n: next.remaining,
              orders: ordersWord(t, next.remaining),
              level: name(next.title),
            })}
          </span>
        </>
      )}
    </p>
  );
}

export function ProgramTab() {
  const { lang, api } = useCtx();
  const terms = useLoad((signal) => api.get<Terms>('/api/v1/program', { signal }), [api]);
  return (
    <Loaded load={terms}>
      {(data) => (
        <>
          <Section title={(lang === 'en' && data.title.en) || data.title.ru} data-section="program">
            {data.level && <LevelLine level={data.level} />}
            <Rates terms={data} />
          </Section>
          {data.attribution.via === 'link' && <LinksSection />}
          {data.attribution.via === 'code' && <PromoCodeSection />}
        </>
      )}
    </Loaded>
  );
}
