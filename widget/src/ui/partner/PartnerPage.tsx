/**
 * Partner mode on the widget's own page: the profile header, then tabs for clients (pin + list),
 * earnings, the program (terms, level, links), per-order statistics, referrals (under a program that has
 * them), invoices, questions, disputes, the certificate and the requisites.
 */
import { useState } from 'preact/hooks';
import { formatDate } from '../../format';
import type { Page, Partner, Pin, ProgramTerms, Question } from '../../types';
import { itemsOf } from '../../types';
import { tOr, useCtx, useLoad } from '../ctx';
import { Badge, ErrorBox, Loading, Notice, Section, Tabs } from '../kit';
import { ClientsTab } from './Clients';
import { EarningsTab } from './Earnings';
import { DisputesTab, QuestionsTab } from './Inbox';
import { CertificateTab, InvoicesTab } from './Invoices';
import { AllowancesTab, ExtrasTab, useOblakoteka } from './Oblakoteka';
import { OrdersTab } from './Orders';
import { ProgramTab } from './ProgramTerms';
import { hasReferrals, ReferralsTab } from './Referrals';

const PARTNER_TONE: Record<string, string> = { active: 'ok', pending_contract: 'warn', blocked: 'error' };

export function PartnerStatusBadge({ partner }: { partner: Pick<Partner, 'status'> }) {
  const { t } = useCtx();
  return (
    <Badge tone={PARTNER_TONE[partner.status] ?? 'muted'} data-partner-status={partner.status}>
      {tOr(t, `partner.status.${partner.status}`, partner.status)}
    </Badge>
  );
}

/** Why money may not be paid out yet, in plain words (rules 3 and 4, as the program in force says them). */
export function PartnerNotice({ partner }: { partner: Partner }) {
  const { t } = useCtx();
  if (partner.status === 'blocked') return <Notice tone="error">{t('partner.blocked_note')}</Notice>;
  if (partner.kind === 'individual') return <Notice tone="info">{t('partner.individual_note')}</Notice>;
  // The program decides whether a contract is needed before payouts (`payoutEligible` follows it).
  if (partner.status === 'pending_contract' && !partner.payoutEligible)
    return <Notice tone="warn">{t('partner.pending_note')}</Notice>;
  return null;
}

function Requisites({ partner }: { partner: Partner }) {
  const { t, lang } = useCtx();
  const rows: Array<[string, string | null | undefined]> = [
    [t('partner.kind'), t(`kind.${partner.kind}`)],
    [t('reg.f.inn'), partner.inn],
    [t('reg.f.kpp'), partner.kpp],
    [t(partner.kind === 'sole_proprietor' ? 'reg.f.ogrnip' : 'reg.f.ogrn'), partner.ogrn],
    [t('partner.passport'), partner.passport?.masked],
    [t('reg.f.bank.bankName'), partner.bank?.bankName],
    [t('reg.f.bank.bik'), partner.bank?.bik],
    [t('reg.f.bank.account'), partner.bank?.account],
    [t('reg.f.contacts.email'), partner.contacts.email],
    [t('reg.f.contacts.phone'), partner.contacts.phone],
    [t('reg.f.contacts.telegram'), partner.contacts.telegram],
    [t('reg.f.contacts.site'), partner.contacts.site],
    [
      t('partner.contract'),
      partner.contract
        ? t('partner.contract_value', {
            number: partner.contract.number,
            date: formatDate(partner.contract.signedAt, lang),
          })
        : t('partner.no_contract'),
    ],
    [t('partner.payout'), partner.payoutEligible ? t('ui.yes') : t('ui.no')],
  ];
  return (
    <Section title={t('partner.requisites')} data-section="profile">
      <dl class="amop-dl">
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k} class="amop-dl__row">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
    </Section>
  );
}

export function PartnerPage() {
  const { t, lang, api } = useCtx();
  const profile = useLoad((signal) => api.get<Partner>('/api/v1/partner', { signal }), [api]);
  const open = useLoad(
    (signal) =>
      api.get<Page<Question>>('/api/v1/questions', { signal, query: { answered: 'false', limit: 100 } }),
    [api],
  );
  // The «Рефералы» tab only under a program with referrals (codes, referrer shares, the client's side).
  const terms = useLoad((signal) => api.get<ProgramTerms>('/api/v1/program', { signal }), [api]);
  // Seed 004's tabs: rebates and bounties under a program with levels or models (or once the partner has one),
  // bonus codes and free months when the program in force grants either.
  const { extras, allowances } = useOblakoteka();
  const showExtras =
    !!(terms.data && (terms.data.levelKeep || terms.data.model)) || !!extras.data?.items.length;
  const showAllowances = !!(allowances.data && (allowances.data.bonusCodes || allowances.data.freeMonths));
  const [tab, setTab] = useState('clients');
  const [disputePin, setDisputePin] = useState<string | null>(null);

  if (profile.state === 'loading') return <Loading />;
  if (profile.state === 'error') return <ErrorBox error={profile.error} onRetry={profile.reload} />;
  const partner = profile.data;
  const unanswered = itemsOf(open.data).length;
  const dispute = (pin: Pin) => {
    setDisputePin(pin.id);
    setTab('disputes');
  };

  return (
    <div class="amop-partner" data-partner-id={partner.id}>
      <header class="amop-head">
        <div>
          <h2 class="amop-title">{partner.name}</h2>
          <div class="amop-head__meta">
            <span class="amop-muted">{t(`kind.${partner.kind}`)}</span>
            <PartnerStatusBadge partner={partner} />
            {partner.contract && (
              <span class="amop-muted amop-small">
                {t('partner.contract_value', {
                  number: partner.contract.number,
                  date: formatDate(partner.contract.signedAt, lang),
                })}
              </span>
            )}
          </div>
        </div>
      </header>
      <PartnerNotice partner={partner} />
      <Tabs
        label={t('app.title')}
        current={tab}
        onChange={(id) => {
          setTab(id);
          if (id !== 'disputes') setDisputePin(null);
        }}
        tabs={[
          { id: 'clients', label: t('tab.clients') },
          { id: 'earnings', label: t('tab.earnings') },
          { id: 'program', label: t('aff.tab_program') },
          { id: 'orders', label: t('aff.tab_orders') },
          ...(terms.data && hasReferrals(terms.data) ? [{ id: 'referrals', label: t('ref.tab') }] : []),
          ...(showExtras ? [{ id: 'extras', label: t('obl.extras') }] : []),
          ...(showAllowances ? [{ id: 'allowances', label: t('obl.allowances') }] : []),
          { id: 'invoices', label: t('tab.invoices') },
          { id: 'questions', label: t('tab.questions'), count: unanswered },
          { id: 'disputes', label: t('tab.disputes') },
          { id: 'certificate', label: t('tab.certificate') },
          { id: 'profile', label: t('tab.profile') },
        ]}
      >
        {(tab) => (
          <>
            {tab === 'clients' && <ClientsTab onDispute={dispute} />}
            {tab === 'program' && <ProgramTab />}
            {tab === 'orders' && <OrdersTab />}
            {tab === 'referrals' && <ReferralsTab />}
            {tab === 'extras' && <ExtrasTab list={extras} />}
            {tab === 'allowances' && <AllowancesTab load={allowances} />}
            {tab === 'earnings' && <EarningsTab />}
            {tab === 'invoices' && <InvoicesTab />}
            {tab === 'questions' && <QuestionsTab onChanged={open.reload} />}
            {tab === 'disputes' && <DisputesTab pinId={disputePin} />}
            {tab === 'certificate' && <CertificateTab partner={partner} />}
            {tab === 'profile' && <Requisites partner={partner} />}
          </>
        )}
      </Tabs>
    </div>
  );
}
