/**
 * Partner mode in a card's side panel: a compact summary (status, what is payable, new questions) and,
 * when the card's account-id field holds a client account, pinning that account in one click.
 */
import type { Balance, Page, Partner, Question } from '../../types';
import { itemsOf } from '../../types';
import { useCardField } from '../cardField';
import { useCtx, useLoad } from '../ctx';
import { ErrorBox, Loading, Money } from '../kit';
import { PinForm } from './Clients';
import { PartnerStatusBadge } from './PartnerPage';

export function PartnerCard() {
  const { t, api, accountIdField } = useCtx();
  const cardClient = useCardField(accountIdField);
  const profile = useLoad((signal) => api.get<Partner>('/api/v1/partner', { signal }), [api]);
  const balance = useLoad((signal) => api.get<Balance>('/api/v1/balance', { signal }), [api]);
  const open = useLoad(
    (signal) =>
      api.get<Page<Question>>('/api/v1/questions', { signal, query: { answered: 'false', limit: 100 } }),
    [api],
  );
  if (profile.state === 'loading') return <Loading />;
  if (profile.state === 'error') return <ErrorBox error={profile.error} onRetry={profile.reload} />;
  const unanswered = itemsOf(open.data).length;
  return (
    <div class="amop-partner-card">
      <div class="amop-card-head">
        <strong class="amop-ellipsis">{profile.data.name}</strong>
        <PartnerStatusBadge partner={profile.data} />
      </div>
      <dl class="amop-dl amop-dl--compact">
        <div class="amop-dl__row" data-summary="payable">
          <dt>{t('money.balance.payableMinor')}</dt>
          <dd>
            {balance.state === 'ok' ? (
              <Money minor={balance.data.payableMinor} currency={balance.data.currency} />
            ) : balance.state === 'loading' ? (
              '…'
            ) : (
              <span class="amop-muted" title={balance.error.code}>
                —
              </span>
            )}
          </dd>
        </div>
        <div class="amop-dl__row" data-summary="questions">
          <dt>{t('card.new_questions')}</dt>
          <dd>{open.state === 'ok' ? unanswered : '…'}</dd>
        </div>
      </dl>
      <div class="amop-card-pin">
        <PinForm key={cardClient ?? ''} compact initialAccountId={cardClient ?? ''} />
      </div>
      <p class="amop-muted amop-small">{t('card.more')}</p>
    </div>
  );
}
