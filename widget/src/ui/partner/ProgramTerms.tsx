/**
 * The «Программа» tab: the program's terms in words (rates, which orders earn, payouts) and the partner's
 * level with the progress to the next, all as `GET /api/v1/program` sends them; under a link program,
 * the partner's links below, under a code program its promo code.
 */
import type { ComponentChildren } from 'preact';
import { formatBps, formatDate } from '../../format';
import { words } from '../../i18n';
import type { ProgramTerms as Terms } from '../../types';
import { tOr, useCtx, useLoad } from '../ctx';
import { Loaded, Money, Section } from '../kit';
import { LinksSection, PromoCodeSection } from './Links';
import { LevelKeepSection } from './Oblakoteka';

/** «3 заказа», «9 заказов», «1 заказ»: the Russian plural of `aff.orders_<form>`. */
export function ordersWord(t: (k: string) => string, n: number): string {
  return t(`aff.orders_${new Intl.PluralRules('ru').select(n)}`);
}

function Rates({ terms }: { terms: Terms }) {
  const { t, lang } = useCtx();
  const rows: Array<[string, ComponentChildren]> = [];
  for (const rule of terms.rewards) {
    if (rule.beneficiary !== 'partner') continue;
    const title = words(rule.title, lang);
    const a = rule.amount;
    if (a.kind === 'percent') {
      if (a.rateBps !== undefined) rows.push([title, formatBps(a.rateBps)]);
      for (const [channel, bps] of Object.entries(a.byChannelBps ?? {}))
        rows.push([tOr(t, `money.channel_${channel}`, channel), formatBps(bps)]);
    } else if (a.kind === 'percent_by_product') {
      rows.push([title, formatBps(a.defaultBps)]);
      for (const [product, bps] of Object.entries(a.productsBps)) rows.push([product, formatBps(bps)]);
    } else if (a.kind === 'fixed') rows.push([title, <Money minor={a.amountMinor} />]);
    else if (a.kind === 'tier') rows.push([title, t('aff.by_turnover')]);
    else rows.push([title, '']);
  }
  const p = terms.payout;
  // A program whose partner rewards are all discounts (seed 003) pays nothing out: its payout terms would
  // only confuse, and which of the client's orders earn is moot when the partner is the one paying.
  const paysOut = terms.rewards.some(
    (r) => r.beneficiary === 'partner' && (r.form !== 'discount' || r.formByChannel !== undefined),
  );
  if (paysOut)
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
  const next = level.next;
  return (
    <p data-level={level.code}>
      {t('aff.level', { level: words(level.title, lang) })}
      {next && (
        <>
          {' '}
          <progress value={level.measure} max={next.min} />{' '}
          <span class="amop-muted" data-level-remaining={next.remaining}>
            {t('aff.to_next', {
              n: next.remaining,
              orders: ordersWord(t, next.remaining),
              level: words(next.title, lang),
            })}
          </span>
        </>
      )}
    </p>
  );
}

/**
 * Under a tier program (seed 003): the turnover of the window that ends today, the discount it gives per
 * category, and how much more today's window needs for the next discount — as the server computed them.
 */
export function TierLine({ tier }: { tier: NonNullable<Terms['tier']> }) {
  const { t, lang } = useCtx();
  return (
    <div data-tier={tier.measureMinor}>
      {tier.window && (
        <p>
          {t('aff.turnover_window', {
            from: formatDate(tier.window.fromDate, lang),
            to: formatDate(tier.window.toDate, lang),
          })}{' '}
          <Money minor={tier.measureMinor} />
        </p>
      )}
      <p data-tier-discounts>
        {tier.discounts.length
          ? `${t('aff.tier_discounts')} ${tier.discounts
              .map((d) => `${d.category.toUpperCase()} ${formatBps(d.discountBps)}`)
              .join(', ')}`
          : t('aff.tier_none')}
      </p>
      {tier.next && (
        <p class="amop-muted" data-tier-remaining={tier.next.remainingMinor}>
          {t('aff.to_next_tier')} <Money minor={tier.next.remainingMinor} />
        </p>
      )}
    </div>
  );
}

export function ProgramTab() {
  const { lang, api } = useCtx();
  const terms = useLoad((signal) => api.get<Terms>('/api/v1/program', { signal }), [api]);
  return (
    <Loaded load={terms}>
      {(data) => (
        <>
          {(data.levelKeep || data.model) && <LevelKeepSection keep={data.levelKeep} model={data.model} />}
          <Section title={words(data.title, lang)} data-section="program">
            {data.level && <LevelLine level={data.level} />}
            {data.tier && <TierLine tier={data.tier} />}
            <Rates terms={data} />
          </Section>
          {data.attribution.via === 'link' && <LinksSection />}
          {data.attribution.via === 'code' && <PromoCodeSection />}
        </>
      )}
    </Loaded>
  );
}
