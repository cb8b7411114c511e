/**
 * Admin mode (vendor admins): the client check, then contracts, client requests, disputes, payout runs
 * and invoices to mark paid. Every action is a single API call the server audits; amounts typed here
 * (a dispute's compensation) are turned into minor units by string parsing, never by arithmetic.
 */
import { useState } from 'preact/hooks';
import { formatDate, noonMsk, parseAmountToMinor, todayIso } from '../../format';
import type {
  AdminPin,
  AdminProgram,
  Dispute,
  Invoice,
  Partner,
  PayoutRun,
  PayoutRunList,
  Pin,
} from '../../types';
import { itemsOf } from '../../types';
import { useCtx, useLoad, usePaged, usePost } from '../ctx';
import {
  Button,
  ClientAccountCell,
  DataTable,
  Empty,
  ErrorBox,
  fieldErrors,
  Form,
  ListState,
  ListTable,
  Loaded,
  Money,
  Notice,
  PageHead,
  RadioGroup,
  Section,
  SelectField,
  SubmitButton,
  SubmitRow,
  Tabs,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';
import { DisputeItem } from '../partner/Inbox';
import { InvoiceTable } from '../partner/Invoices';
import { PartnerStatusBadge } from '../partner/PartnerPage';
import { AdminReferralsTab } from '../partner/Referrals';
import { ClientCheck } from '../staff/StaffScreens';
import { hasSeed004, LevelsAdminTab } from './LevelsAdmin';
import { FraudTab, ProgramTab } from './ProgramPage';

function ContractForm({ partner, onDone }: { partner: Partner; onDone(): void }) {
  const { t, lang } = useCtx();
  const { values, field } = useFields({ contractNumber: '', signedAt: todayIso() });
  const sign = usePost<Partner>(`/api/v1/admin/partners/${partner.id}/contract`);
  const server = fieldErrors(sign.error, lang, t, 'admin.invalid');
  const submit = async () => {
    const body = { contractNumber: values.contractNumber.trim(), signedAt: noonMsk(values.signedAt) };
    if (await sign.run(body)) onDone();
  };
  return (
    <Form class="amop-inline-form" name="contract" onSubmit={submit}>
      <TextField {...field('contractNumber', server)} label={t('admin.contract_number')} />
      <TextField {...field('signedAt', server)} type="date" label={t('admin.contract_date')} />
      <SubmitButton small label={t('admin.sign')} busy={sign.busy} />
      {sign.error && !server.contractNumber && <ErrorBox error={sign.error} />}
    </Form>
  );
}

function PartnersTab({ partners }: { partners: ReturnType<typeof usePaged<Partner>> }) {
  const { t, lang } = useCtx();
  return (
    <Section title={t('admin.partners_title')} data-section="admin-partners">
      <ListTable
        list={partners}
        empty={t('admin.partners_empty')}
        name="partners"
        columns={['admin.partner', 'partner.kind', 'clients.status', 'partner.contract']}
        row={(p) => (
          <tr key={p.id} data-partner-id={p.id}>
            <td>
              <strong>{p.name}</strong>
              <div class="amop-muted amop-small">
                {t('admin.account', { accountId: p.accountId })} · {formatDate(p.createdAt, lang)}
              </div>
            </td>
            <td>{t(`kind.${p.kind}`)}</td>
            <td>
              <PartnerStatusBadge partner={p} />
              <div class="amop-muted amop-small">
                {p.payoutEligible ? t('admin.payout_yes') : t('admin.payout_no')}
              </div>
            </td>
            <td>
              {p.contract ? (
                t('partner.contract_value', {
                  number: p.contract.number,
                  date: formatDate(p.contract.signedAt, lang),
                })
              ) : p.kind === 'individual' ? (
                <span class="amop-muted">{t('admin.no_contract_individual')}</span>
              ) : (
                <ContractForm partner={p} onDone={partners.reload} />
              )}
            </td>
          </tr>
        )}
      />
    </Section>
  );
}

function ClientRequestAction({ pin, onDone }: { pin: Pin; onDone(): void }) {
  const { t } = useCtx();
  const { values, field } = useFields({ note: '' });
  const record = usePost<Pin>(`/api/v1/admin/pins/${pin.id}/client-request`);
  const submit = async () => {
    const note = values.note.trim();
    if (await record.run(note ? { note } : {})) onDone();
  };
  return (
    <Form class="amop-inline-form" name="client-request" onSubmit={submit}>
      <TextField {...field('note')} label={t('admin.request_note')} maxLength={1000} />
      <SubmitButton small label={t('admin.request_received')} busy={record.busy} />
      {record.error && <ErrorBox error={record.error} />}
    </Form>
  );
}

function RequestsTab({ names }: { names: Map<string, string> }) {
  const { t, lang } = useCtx();
  const list = usePaged<AdminPin>('/api/v1/admin/pins', { status: 'pending_client_request', limit: 100 });
  return (
    <Section title={t('admin.requests_title')} data-section="admin-requests">
      <p class="amop-muted amop-small">{t('admin.requests_intro')}</p>
      <ListTable
        list={list}
        empty={t('admin.requests_empty')}
        name="requests"
        columns={['clients.account', 'admin.partner', 'admin.asked']}
        actions
        row={(pin) => (
          <tr key={pin.id} data-pin-id={pin.id}>
            <ClientAccountCell accountId={pin.clientAccountId} subdomain={pin.clientSubdomain} />
            <td>{names.get(pin.partnerId) ?? pin.partnerId}</td>
            <td>{formatDate(pin.createdAt, lang)}</td>
            <td>
              <ClientRequestAction pin={pin} onDone={list.reload} />
            </td>
          </tr>
        )}
      />
    </Section>
  );
}

function DecisionForm({ dispute, onDone }: { dispute: Dispute; onDone(): void }) {
  const { t } = useCtx();
  const [decision, setDecision] = useState('for_partner');
  const { values, field } = useFields({ reason: '', compensationMinor: '' });
  const decide = usePost<Dispute>(`/api/v1/admin/disputes/${dispute.id}/decision`);
  const { shown, passes } = useFieldErrors(decide.error, 'admin.invalid');
  const submit = async () => {
    const errors: Record<string, string> = {};
    const reason = values.reason.trim();
    const amount = values.compensationMinor;
    if (reason.length < 3) errors.reason = t('admin.err.reason');
    const compensationMinor = amount.trim() ? parseAmountToMinor(amount) : undefined;
    if (compensationMinor === null) errors.compensationMinor = t('inv.err.amount');
    if (!passes(errors)) return;
    const body: Record<string, unknown> = { decision, reason };
    if (decision === 'for_partner' && compensationMinor) body.compensationMinor = compensationMinor;
    if (await decide.run(body)) onDone();
  };
  return (
    <Form class="amop-form amop-card-box" name="decision" onSubmit={submit}>
      <RadioGroup
        legend={t('admin.decision')}
        name="decision"
        value={decision}
        onValue={setDecision}
        options={['for_partner', 'against_partner']}
        labels="admin."
      />
      <TextField {...field('reason', shown)} multiline label={t('admin.reason')} />
      {decision === 'for_partner' && (
        <div class="amop-grid">
          <TextField
            {...field('compensationMinor', shown)}
            label={t('admin.compensation')}
            hint={t('admin.compensation_hint')}
            inputMode="decimal"
          />
        </div>
      )}
      <Button small kind="primary" type="submit" busy={decide.busy}>
        {t('admin.decide')}
      </Button>
      {decide.error && <ErrorBox error={decide.error} />}
    </Form>
  );
}

/**
 * An admin list filtered by status, first by the first of `statuses`: the paged list, and the filter to
 * put in its section's head (with "all" as its last choice).
 */
function useStatusList<T>(path: string, limit: number, statuses: Array<[status: string, label: string]>) {
  const { t } = useCtx();
  const [status, setStatus] = useState(statuses[0]![0]);
  const list = usePaged<T>(path, { status: status || undefined, limit });
  const filter = (
    <SelectField
      label={t('admin.filter')}
      value={status}
      onValue={setStatus}
      options={[...statuses, ['', t('admin.all')]]}
    />
  );
  return { list, filter };
}

function DisputesTab({ names }: { names: Map<string, string> }) {
  const { t } = useCtx();
  const { list, filter } = useStatusList<Dispute>('/api/v1/admin/disputes', 50, [
    ['open', t('dsp.status.open')],
  ]);
  return (
    <Section title={t('admin.disputes_title')} data-section="admin-disputes" actions={filter}>
      <ListState list={list} empty={t('admin.disputes_empty')}>
        <ul class="amop-list">
          {list.items.map((d) => (
            <DisputeItem key={d.id} d={d}>
              <div class="amop-muted amop-small">{names.get(d.partnerId) ?? d.partnerId}</div>
              {d.status === 'open' && <DecisionForm dispute={d} onDone={list.reload} />}
            </DisputeItem>
          ))}
        </ul>
      </ListState>
    </Section>
  );
}

const adminPdf = (invoice: Invoice) => invoice.pdfUrl;

function PayoutsTab({ names }: { names: Map<string, string> }) {
  const { t, lang, api } = useCtx();
  const { values, field } = useFields({ asOf: todayIso() });
  const runs = useLoad((signal) => api.get<PayoutRunList>('/api/v1/admin/payouts/runs', { signal }), [api]);
  const run = usePost<PayoutRun>('/api/v1/admin/payouts/run');
  const server = fieldErrors(run.error, lang, t, 'admin.invalid');
  const result = run.result;
  return (
    <>
      <Section title={t('admin.payouts_title')} data-section="admin-payouts">
        <p class="amop-muted amop-small">{t('admin.payouts_intro')}</p>
        <Form
          class="amop-inline-form"
          name="payout-run"
          onSubmit={async () => {
            if (await run.run({ asOf: values.asOf })) runs.reload();
          }}
        >
          <TextField {...field('asOf', server)} type="date" label={t('admin.as_of')} />
          <SubmitButton label={t('admin.run')} busy={run.busy} />
        </Form>
        {run.error && <ErrorBox error={run.error} />}
        {result && (
          <Notice
            tone={result.invoicesCreated ? 'ok' : 'info'}
            role="status"
            data-payout-run={result.runId}
            data-created={String(result.created)}
          >
            {t(result.created ? 'admin.run_done' : 'admin.run_again', {
              date: formatDate(result.asOf, lang),
              count: result.invoicesCreated,
            })}{' '}
            {t('admin.run_total')} <Money minor={result.totalMinor} />
          </Notice>
        )}
      </Section>
      {result && <IssuedRewardInvoices key={result.runId} names={names} />}
      <Section title={t('admin.runs_title')} data-section="payout-runs">
        <Loaded load={runs}>
          {(data) =>
            !itemsOf(data).length ? (
              <Empty>{t('admin.runs_empty')}</Empty>
            ) : (
              <DataTable
                name="runs"
                columns={[
                  'admin.as_of',
                  { key: 'admin.runs_invoices', num: true },
                  { key: 'admin.runs_total', num: true },
                ]}
              >
                {itemsOf(data).map((r) => (
                  <tr key={r.runId} data-run-id={r.runId}>
                    <td>{formatDate(r.asOf, lang)}</td>
                    <td class="amop-num">{r.invoicesCreated}</td>
                    <td class="amop-num">
                      <Money minor={r.totalMinor} />
                    </td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </Loaded>
      </Section>
    </>
  );
}

/** Invoices of every partner, each with its PDF and, while unpaid, "mark paid". */
function AdminInvoiceList({
  list,
  names,
}: {
  list: ReturnType<typeof usePaged<Invoice>>;
  names: Map<string, string>;
}) {
  const { t } = useCtx();
  return (
    <ListState list={list} empty={t('admin.invoices_empty')}>
      <InvoiceTable
        items={list.items}
        pdfPath={adminPdf}
        partnerNames={names}
        actions={(invoice) => <MarkPaid invoice={invoice} onDone={list.reload} />}
      />
    </ListState>
  );
}

/** After a run: the reward invoices waiting to be paid, to open and to mark paid right here. */
function IssuedRewardInvoices({ names }: { names: Map<string, string> }) {
  const { t } = useCtx();
  const list = usePaged<Invoice>('/api/v1/admin/invoices', { status: 'issued', kind: 'reward', limit: 100 });
  return (
    <Section title={t('admin.issued_rewards')} data-section="issued-rewards">
      <AdminInvoiceList list={list} names={names} />
    </Section>
  );
}

function MarkPaid({ invoice, onDone }: { invoice: Invoice; onDone(): void }) {
  const { t } = useCtx();
  const [open, setOpen] = useState(false);
  const [date, setDate] = useState(todayIso());
  const [method, setMethod] = useState('bank');
  const paid = usePost<Invoice>(`/api/v1/admin/invoices/${invoice.id}/paid`);
  if (invoice.status !== 'issued') return null;
  if (!open)
    return (
      <Button small data-action="mark-paid" onClick={() => setOpen(true)}>
        {t('admin.mark_paid')}
      </Button>
    );
  return (
    <Form
      class="amop-form amop-paid-form"
      name="mark-paid"
      onSubmit={async () => {
        if (await paid.run({ paidAt: noonMsk(date), method })) onDone();
      }}
    >
      <TextField path="paidAt" type="date" label={t('admin.paid_at')} value={date} onValue={setDate} />
      <SelectField
        path="method"
        label={t('inv.method_legend')}
        value={method}
        onValue={setMethod}
        options={[
          ['bank', t('inv.method.bank')],
          ['card', t('inv.method.card')],
        ]}
      />
      <SubmitRow small label={t('admin.confirm_paid')} busy={paid.busy} onCancel={() => setOpen(false)} />
      {paid.error && <ErrorBox error={paid.error} />}
    </Form>
  );
}

function InvoicesTab({ names }: { names: Map<string, string> }) {
  const { t } = useCtx();
  const { list, filter } = useStatusList<Invoice>('/api/v1/admin/invoices', 100, [
    ['issued', t('inv.status.issued')],
    ['paid', t('inv.status.paid')],
  ]);
  return (
    <Section title={t('admin.invoices_title')} data-section="admin-invoices" actions={filter}>
      <AdminInvoiceList list={list} names={names} />
    </Section>
  );
}

export function AdminPage({ userName }: { userName: string | null }) {
  const { t, api } = useCtx();
  const partners = usePaged<Partner>('/api/v1/admin/partners', { limit: 500 });
  // «Уровни и бонусы» only under a program with kept levels, models, bounties or rebates (seed 004).
  const program = useLoad((signal) => api.get<AdminProgram>('/api/v1/admin/program', { signal }), [api]);
  const doc = program.data?.inForce.document;
  const names = new Map(partners.items.map((p) => [p.id, p.name]));
  const pending = partners.items.filter(
    (p) => p.status === 'pending_contract' && p.kind !== 'individual',
  ).length;
  return (
    <div class="amop-admin">
      <PageHead title={t('admin.title')} userName={userName} />
      <Tabs
        label={t('admin.title')}
        tabs={[
          { id: 'check', label: t('admin.tab.check') },
          { id: 'partners', label: t('admin.tab.partners'), count: pending },
          { id: 'requests', label: t('admin.tab.requests') },
          { id: 'disputes', label: t('admin.tab.disputes') },
          { id: 'payouts', label: t('admin.tab.payouts') },
          { id: 'invoices', label: t('admin.tab.invoices') },
          { id: 'program', label: t('prog.tab') },
          { id: 'fraud', label: t('prog.tab_fraud') },
          { id: 'referrals', label: t('ref.tab') },
          ...(doc && hasSeed004(doc) ? [{ id: 'levels', label: t('obl.admin_tab') }] : []),
        ]}
      >
        {(tab) => (
          <>
            {tab === 'check' && (
              <Section title={t('staff.title')} data-section="admin-check">
                <ClientCheck initial={null} />
              </Section>
            )}
            {tab === 'partners' && <PartnersTab partners={partners} />}
            {tab === 'requests' && <RequestsTab names={names} />}
            {tab === 'disputes' && <DisputesTab names={names} />}
            {tab === 'payouts' && <PayoutsTab names={names} />}
            {tab === 'invoices' && <InvoicesTab names={names} />}
            {tab === 'program' && <ProgramTab />}
            {tab === 'fraud' && <FraudTab names={names} />}
            {tab === 'referrals' && <AdminReferralsTab />}
            {tab === 'levels' && doc && <LevelsAdminTab doc={doc} partners={partners.items} />}
          </>
        )}
      </Tabs>
    </div>
  );
}
