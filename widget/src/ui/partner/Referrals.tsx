/**
 * Referral trees (multi-level and code programs, seed 002), one level at a time as the server reads them: a
 * partner's referrer, the partners it referred — each opened in place with «Показать», which asks for that
 * partner's level (`?of=`) — and the clients its code or link brought, with both sides' rewards. The partner's
 * «Рефералы» tab shows its own tree (rewards are its own at every depth); the admin's shows every tree from its
 * roots, and breaks a partner's link to its referrer after a confirmation.
 */
import { useState } from 'preact/hooks';
import type { ApiError } from '../../api';
import { formatDate } from '../../format';
import type { ProgramTerms, ReferralLevel, ReferredPartner } from '../../types';
import { useAction, useCtx, useLoad } from '../ctx';
import { Button, DataTable, Empty, ErrorBox, ListTable, Loaded, Money, Notice, Section } from '../kit';

/** Whether the program has referrals to show: attribution by code, or rewards for a referrer or the client. */
export function hasReferrals(terms: ProgramTerms): boolean {
  return (
    terms.attribution.via === 'code' ||
    terms.rewards.some((r) => r.beneficiary === 'upline' || r.beneficiary === 'client')
  );
}

interface LevelProps {
  /** `/api/v1/referrals` (the partner's own tree) or `/api/v1/admin/referrals`. */
  path: string;
  /** The partner whose level this is; absent: the caller's own (partner) or the roots (admin). */
  of?: string;
  admin?: boolean;
}

const LIMIT = 100;

/** A level's partners, with «Показать ещё» reading the next page of that list alone. */
function usePartners(load: ReturnType<typeof useLoad<ReferralLevel>>, path: string, of?: string) {
  const { api } = useCtx();
  const [more, setMore] = useState<{ of?: string; items: ReferredPartner[]; next: string | null } | null>(
    null,
  );
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const shown = more?.of === of ? more : null;
  const next = shown ? shown.next : (load.data?.partners.nextCursor ?? null);
  return {
    state: load.state,
    error: load.error,
    reload: () => {
      setMore(null);
      load.reload();
    },
    items: [...(load.data?.partners.items ?? []), ...(shown?.items ?? [])],
    next,
    moreError,
    async loadMore() {
      if (!next) return;
      try {
        const page = await api.get<ReferralLevel>(path, {
          query: { of, limit: LIMIT, partnersCursor: next },
        });
        setMore({
          of,
          items: [...(shown?.items ?? []), ...page.partners.items],
          next: page.partners.nextCursor,
        });
      } catch (e) {
        // The API client rejects with an ApiError only.
        setMoreError(e as ApiError);
      }
    },
  };
}

function Level({ path, of, admin }: LevelProps) {
  const { t, lang, api } = useCtx();
  const load = useLoad(
    (signal) => api.get<ReferralLevel>(path, { signal, query: { of, limit: LIMIT } }),
    [api, path, of],
  );
  const partners = usePartners(load, path, of);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const [confirming, setConfirming] = useState<string | null>(null);
  const breakLink = useAction((key: string, partnerId: string) =>
    api.request('DELETE', `/api/v1/admin/partners/${partnerId}/referrer`, { idempotencyKey: key }),
  );
  const level = load.data;
  // At the roots nobody has a referrer to break away from.
  const breakable = admin && of !== undefined;
  const rewardColumn = { key: admin ? 'ref.partner_reward' : 'ref.my_reward', num: true } as const;
  const breakRow = async (partnerId: string) => {
    if (await breakLink.run(partnerId)) {
      setConfirming(null);
      partners.reload();
    }
  };
  const rows = (p: ReferredPartner) => [
    <tr key={p.partnerId} data-ref-partner={p.partnerId}>
      <td>{p.name}</td>
      <td>{formatDate(p.registeredAt, lang)}</td>
      <td class="amop-num">{p.referredCount}</td>
      <td class="amop-num">
        <Money minor={p.rewardMinor} />
      </td>
      <td>
        <Button
          small
          aria-expanded={open[p.partnerId] ? 'true' : 'false'}
          onClick={() => setOpen({ ...open, [p.partnerId]: !open[p.partnerId] })}
        >
          {open[p.partnerId] ? t('ui.close') : t('ref.show')}
        </Button>{' '}
        {breakable && (
          <Button small kind="danger" onClick={() => setConfirming(p.partnerId)}>
            {t('ref.break')}
          </Button>
        )}
      </td>
    </tr>,
    confirming === p.partnerId && (
      <tr key={`${p.partnerId}-confirm`} data-ref-confirm={p.partnerId}>
        <td colSpan={5}>
          <Notice tone="warn">
            {t('ref.break_confirm', { child: p.name, parent: level?.partner?.name ?? '' })}
          </Notice>
          <Button small kind="danger" busy={breakLink.busy} onClick={() => void breakRow(p.partnerId)}>
            {t('ref.break_yes')}
          </Button>{' '}
          <Button small onClick={() => setConfirming(null)}>
            {t('ui.cancel')}
          </Button>
          {breakLink.error && <ErrorBox error={breakLink.error} />}
        </td>
      </tr>
    ),
    open[p.partnerId] && (
      <tr key={`${p.partnerId}-level`} class="amop-ref__sub">
        <td colSpan={5}>
          <Level path={path} of={p.partnerId} admin={admin} />
        </td>
      </tr>
    ),
  ];

  return (
    <div class="amop-ref" data-ref-level={of ?? 'top'}>
      {!admin && of === undefined && level && (
        <p data-referrer={level.referrer?.partnerId ?? ''}>
          {level.referrer ? t('ref.referrer', { name: level.referrer.name }) : t('ref.no_referrer')}
        </p>
      )}
      <ListTable
        list={partners}
        empty={t(admin && of === undefined ? 'ref.no_roots' : 'ref.no_partners')}
        name="ref-partners"
        columns={[
          admin && of === undefined ? 'admin.partner' : 'ref.partner',
          'ref.registered',
          { key: 'ref.referred', num: true },
          rewardColumn,
        ]}
        actions
        row={rows}
      />
      {level?.partner && (
        <Loaded load={load}>
          {(data) =>
            data.clients.items.length ? (
              <>
                <p class="amop-muted">{t('ref.clients')}</p>
                <DataTable
                  name="ref-clients"
                  columns={[
                    'ref.client',
                    'ref.first_reward',
                    { key: 'ref.client_reward', num: true },
                    rewardColumn,
                  ]}
                >
                  {data.clients.items.map((c) => (
                    <tr key={c.clientAccountId} data-ref-client={c.clientAccountId}>
                      <td>{c.clientAccountId}</td>
                      <td>{formatDate(c.firstRewardAt, lang)}</td>
                      <td class="amop-num">
                        <Money minor={c.clientRewardMinor} />
                      </td>
                      <td class="amop-num">
                        <Money minor={c.myRewardMinor} />
                      </td>
                    </tr>
                  ))}
                </DataTable>
              </>
            ) : (
              <Empty>{t('ref.no_clients')}</Empty>
            )
          }
        </Loaded>
      )}
    </div>
  );
}

/** The partner's «Рефералы» tab. */
export function ReferralsTab() {
  const { t } = useCtx();
  return (
    <Section title={t('ref.title')} data-section="referrals">
      <Level path="/api/v1/referrals" />
    </Section>
  );
}

/** The admin's «Рефералы» tab: every tree from its roots. */
export function AdminReferralsTab() {
  const { t } = useCtx();
  return (
    <Section title={t('ref.admin_title')} data-section="admin-referrals">
      <Level path="/api/v1/admin/referrals" admin />
    </Section>
  );
}
