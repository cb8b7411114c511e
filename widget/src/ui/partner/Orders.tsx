/**
 * The partner's per-order statistics (seed 000 item 6): the summary (clicks, visitors, orders, reward,
 * level) and each attributed order with its reward and calculation, or why it earned nothing. Every figure
 * is the server's (`GET /api/v1/orders/summary`, `GET /api/v1/orders`), formatted, never computed.
 */
import type { ComponentChildren } from 'preact';
import { formatBps, formatDate } from '../../format';
import type { Order, OrderSummary } from '../../types';
import { useCtx, useLoad, usePaged } from '../ctx';
import { ListTable, Loaded, Money, Section } from '../kit';
import { LevelLine } from './ProgramTerms';

function Summary({ s }: { s: OrderSummary }) {
  const { t } = useCtx();
  const tiles: Array<[string, ComponentChildren]> = [
    ['clicks', s.clicks],
    ['visitors', s.visitors],
    ['orders', s.orders],
    ['rewarded', s.rewardedOrders],
    [
      'reward',
      <>
        <Money minor={s.rewardMinor} currency={s.currency} />
        {s.reversedMinor > 0 && (
          <div class="amop-small">
            {t('money.reversed')} <Money minor={s.reversedMinor} currency={s.currency} />
          </div>
        )}
      </>,
    ],
  ];
  return (
    <>
      <div class="amop-tiles">
        {tiles.map(([key, value]) => (
          <div key={key} class="amop-tile" data-summary={key}>
            <div class="amop-tile__label">{t(`aff.${key}`)}</div>
            <div class="amop-tile__value">{value}</div>
          </div>
        ))}
      </div>
      {s.level && <LevelLine level={s.level} />}
    </>
  );
}

function OrderRow({ o }: { o: Order }) {
  const { t, lang } = useCtx();
  const r = o.reward;
  return (
    <tr data-payment-id={o.paymentId} data-order-reason={o.noReward?.reason ?? ''}>
      <td>{formatDate(o.paidAt, lang)}</td>
      <td>
        {o.orderId}
        <div class="amop-muted amop-small">
          {o.clientAccountId}
          {o.productCode && ` · ${o.productCode}`}
        </div>
      </td>
      <td class="amop-num">
        <Money minor={o.grossMinor} currency={o.currency} />
        {o.refundedMinor > 0 && (
          <div class="amop-muted amop-small">
            {t('aff.refunded')} <Money minor={o.refundedMinor} currency={o.currency} />
          </div>
        )}
      </td>
      <td class="amop-num" data-reward={r?.amountMinor ?? 0}>
        {r ? (
          <>
            <strong>
              <Money minor={r.amountMinor} currency={o.currency} />
            </strong>{' '}
            {formatBps(r.rateBps)}
            {r.reversedMinor > 0 && (
              <div class="amop-muted amop-small">
                {t('money.reversed')} <Money minor={r.reversedMinor} currency={o.currency} />
              </div>
            )}
          </>
        ) : (
          '—'
        )}
      </td>
      <td class="amop-small" data-calculation>
        {r ? r.calculation : o.noReward?.text}
      </td>
    </tr>
  );
}

export function OrdersTab() {
  const { t, api } = useCtx();
  const summary = useLoad((signal) => api.get<OrderSummary>('/api/v1/orders/summary', { signal }), [api]);
  const list = usePaged<Order>('/api/v1/orders');
  return (
    <>
      <Section title={t('aff.summary')} data-section="order-summary">
        <Loaded load={summary}>{(s) => <Summary s={s} />}</Loaded>
      </Section>
      <Section title={t('aff.orders_title')} data-section="orders">
        <ListTable
          list={list}
          empty={t('aff.no_orders')}
          name="orders"
          columns={[
            'money.date',
            'aff.order',
            { key: 'money.gross', num: true },
            { key: 'money.commission', num: true },
            'aff.calculation',
          ]}
          row={(o) => <OrderRow key={o.paymentId} o={o} />}
        />
      </Section>
    </>
  );
}
