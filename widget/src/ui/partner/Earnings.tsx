/**
 * Commissions and balance. Every amount shown is a server value (`…Minor`), formatted, never computed:
 * the balance comes from `GET /api/v1/balance` (sums of ledger entries), each commission row from
 * `GET /api/v1/commissions`.
 */
import { formatBps, formatDate, formatMonth, formatMoney, formatMoneyShort, todayIso } from '../../format';
import type { Balance, Commission, MonthlyEarning, Page } from '../../types';
import { itemsOf } from '../../types';
import { tOr, useCtx, useLoad } from '../ctx';
import { Badge, DataTable, Empty, Loaded, Money, Section } from '../kit';

const commissionDate = (c: Commission) => c.paidAt;

export function BalanceTiles({ balance }: { balance: Balance }) {
  const { t } = useCtx();
  const main: Array<keyof Balance> = [
    'payableMinor',
    'earnedMinor',
    'reversedMinor',
    'paidOutMinor',
    'notPayableMinor',
  ];
  // The extra figures appear only when they say something (the server sends them for every partner).
  const extra = (['invoicedMinor', 'keptMinor', 'compensationMinor', 'forfeitedMinor'] as const).filter(
    (f) => balance[f],
  );
  return (
    <div class="amop-tiles" data-balance-currency={balance.currency}>
      {[...main, ...extra].map((field, i) => (
        <div key={field} class={`amop-tile${i === 0 ? ' amop-tile--main' : ''}`} data-balance={field}>
          <div class="amop-tile__label">{t(`money.balance.${field}`)}</div>
          <div class="amop-tile__value">
            <Money minor={balance[field] as number} currency={balance.currency} />
          </div>
        </div>
      ))}
    </div>
  );
}

/** The last `count` months as `YYYY-MM`, oldest first, ending with the current month (Moscow time). */
function lastMonths(count: number): string[] {
  const [year, month] = todayIso().split('-').map(Number) as [number, number];
  const keys: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const index = year * 12 + (month - 1) - i;
    keys.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`);
  }
  return keys;
}

/**
 * Earnings by month as CSS bars, from the server's monthly sums (`GET /api/v1/commissions/monthly`): every
 * amount shown is the server's; bar heights are drawing geometry only.
 */
export function MonthChart({ months }: { months: MonthlyEarning[] }) {
  const { t, lang } = useCtx();
  if (!months.some((m) => m.commissionMinor > 0)) return <Empty>{t('money.chart_empty')}</Empty>;
  const byMonth = new Map(months.map((m) => [m.month, m]));
  const keys = lastMonths(12);
  const tallest = Math.max(...months.map((m) => m.commissionMinor));
  return (
    <div
      class="amop-chart"
      role="img"
      aria-label={t('money.chart_label')}
      data-chart-months={months.map((m) => m.month).join(',')}
    >
      {keys.map((key) => {
        const m = byMonth.get(key);
        const height = m ? Math.max(2, Math.round((m.commissionMinor / tallest) * 120)) : 0;
        return (
          <div class="amop-chart__col" key={key} data-month={key} data-minor={m?.commissionMinor ?? 0}>
            <div class="amop-chart__value">{m ? formatMoneyShort(m.commissionMinor) : ''}</div>
            <div
              class="amop-chart__bar"
              style={{ height: `${height}px` }}
              title={
                m
                  ? `${formatMonth(key, lang)}: ${formatMoney(m.commissionMinor)}${
                      m.reversedMinor ? ` (${t('money.reversed')} ${formatMoney(m.reversedMinor)})` : ''
                    }`
                  : undefined
              }
            />
            <div class="amop-chart__label">{formatMonth(key, lang)}</div>
          </div>
        );
      })}
    </div>
  );
}

function CommissionStatus({ c }: { c: Commission }) {
  const { t } = useCtx();
  return (
    <>
      <Badge tone={c.payable ? 'ok' : 'muted'} data-payable={String(c.payable)}>
        {c.payable ? t('money.payable') : t('money.not_payable')}
      </Badge>{' '}
      <span class="amop-small">{tOr(t, `money.status.${c.status}`, c.status)}</span>
      {c.reason && <div class="amop-muted amop-small">{tOr(t, `money.reason.${c.reason}`, c.reason)}</div>}
    </>
  );
}

export function EarningsTab() {
  const { t, api } = useCtx();
  const balance = useLoad((signal) => api.get<Balance>('/api/v1/balance', { signal }), [api]);
  const commissions = useLoad(
    (signal) => api.get<Page<Commission>>('/api/v1/commissions', { signal, query: { limit: 500 } }),
    [api],
  );
  const monthly = useLoad(
    (signal) =>
      api.get<{ items: MonthlyEarning[] }>('/api/v1/commissions/monthly', { signal, query: { months: 12 } }),
    [api],
  );
  return (
    <>
      <Section title={t('money.balance_title')} data-section="balance">
        <Loaded load={balance}>
          {(data) => (
            <>
              <BalanceTiles balance={data} />
              <p class="amop-muted amop-small">{t('money.balance_note')}</p>
            </>
          )}
        </Loaded>
      </Section>
      <Section title={t('money.chart_title')} data-section="chart">
        <Loaded load={monthly}>{(data) => <MonthChart months={itemsOf(data)} />}</Loaded>
      </Section>
      <Section title={t('money.commissions_title')} data-section="commissions">
        <Loaded load={commissions}>{(data) => <CommissionTable rows={itemsOf(data)} />}</Loaded>
      </Section>
    </>
  );
}

function CommissionTable({ rows }: { rows: Commission[] }) {
  const { t, lang } = useCtx();
  if (!rows.length) return <Empty>{t('money.empty')}</Empty>;
  return (
    <DataTable
      name="commissions"
      columns={[
        'money.date',
        'money.client',
        'money.channel',
        { key: 'money.gross', num: true },
        { key: 'money.rate', num: true },
        { key: 'money.commission', num: true },
        'money.state',
      ]}
    >
      {rows.map((c, i) => (
        <tr key={c.paymentId + i} data-payment-id={c.paymentId} data-client={c.clientAccountId}>
          <td>{formatDate(commissionDate(c), lang)}</td>
          <td>
            {c.clientAccountId}
            {c.productCode && <div class="amop-muted amop-small">{c.productCode}</div>}
          </td>
          <td>{tOr(t, `money.channel_${c.channel}`, c.channel)}</td>
          <td class="amop-num">
            <Money minor={c.grossMinor} currency={c.currency} />
          </td>
          <td class="amop-num">{formatBps(c.rateBps)}</td>
          {/* The program's calculation in words («12 000,00 ₽ × 40 % = 4 800,00 ₽») on hover. */}
          <td class="amop-num" data-commission={c.commissionMinor} title={c.calculation ?? undefined}>
            <strong>
              <Money minor={c.commissionMinor} currency={c.currency} />
            </strong>
            {c.reversedMinor ? (
              <div class="amop-muted amop-small">
                {t('money.reversed')}: <Money minor={c.reversedMinor} currency={c.currency} />
              </div>
            ) : null}
          </td>
          <td>
            <CommissionStatus c={c} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
