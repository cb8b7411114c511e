/**
 * Staff mode (the vendor's own amoCRM). On a company, lead or contact card the panel says at once
 * whether the client account (read from the card's account-id field) is pinned — and so whether sales
 * may offer it services and licences — and whom support routes its setup questions to, with the
 * partner's contacts and a "forward the question" action (rules 8, 11, 13). A search box checks any id.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatDate } from '../../format';
import type { Question, StaffClient } from '../../types';
import { accountIdOf, useCardField } from '../cardField';
import { tOr, useCtx, useLoad, usePost } from '../ctx';
import {
  Button,
  ContactLinks,
  ErrorBox,
  fieldErrors,
  Form,
  Loaded,
  Notice,
  PageHead,
  SubmitRow,
  TextField,
} from '../kit';

function ForwardQuestion({ client }: { client: StaffClient }) {
  const { t, lang } = useCtx();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const send = usePost<Question>(`/api/v1/staff/clients/${client.clientAccountId}/questions`);
  const server = fieldErrors(send.error, lang, t, 'staff.invalid');
  const partner = client.supportRouteTo!;
  if (send.result)
    return (
      <Notice tone="ok" data-forwarded={send.result.id} role="status">
        {t('staff.forwarded', { partner: partner.name })}{' '}
        <Button
          kind="link"
          onClick={() => {
            send.reset();
            setText('');
          }}
        >
          {t('staff.forward_another')}
        </Button>
      </Notice>
    );
  if (!open)
    return (
      <Button small aria-expanded="false" data-action="forward" onClick={() => setOpen(true)}>
        {t('staff.forward')}
      </Button>
    );
  return (
    <Form
      name="forward"
      onSubmit={() => {
        if (text.trim().length < 3) return setLocal(t('staff.err.text'));
        setLocal(null);
        void send.run({ text: text.trim() });
      }}
    >
      <TextField
        path="text"
        multiline
        label={t('staff.question', { partner: partner.name })}
        value={text}
        onValue={setText}
        error={local ?? server.text}
        maxLength={5000}
        autoFocus
      />
      <SubmitRow small label={t('staff.send')} busy={send.busy} onCancel={() => setOpen(false)} />
      {send.error && <ErrorBox error={send.error} />}
    </Form>
  );
}

/** The verdict for one client account: the pin banner, the support line, the partner's contacts. */
export function StaffVerdict({ client }: { client: StaffClient }) {
  const { t, lang } = useCtx();
  const pin = client.pin;
  let tone: string;
  let text: string;
  if (!pin) {
    tone = 'ok';
    text = t('staff.free');
  } else if (!client.salesMayContact) {
    tone = 'stop';
    text = t('staff.pinned', { partner: pin.partner.name, since: formatDate(pin.since, lang, 'long') });
  } else if (pin.status === 'attributed') {
    tone = 'info';
    text = t('staff.attributed', { partner: pin.partner.name });
  } else {
    tone = 'info';
    text = t('staff.pending', {
      partner: pin.partner.name,
      status: tOr(t, `pin.status.${pin.status}`, pin.status),
    });
  }
  return (
    <div
      class="amop-verdict"
      data-client={client.clientAccountId}
      data-pin-status={pin?.status ?? 'none'}
      data-sales-may-contact={String(client.salesMayContact)}
    >
      <div class={`amop-banner amop-banner--${tone}`} role="status">
        <span class="amop-banner__account">{t('staff.account', { accountId: client.clientAccountId })}</span>
        <strong class="amop-banner__text">{text}</strong>
      </div>
      {client.supportRouteTo ? (
        <div class="amop-support" data-support-route={client.supportRouteTo.id}>
          <p class="amop-support__line">{t('staff.support', { partner: client.supportRouteTo.name })}</p>
          <ContactLinks contacts={client.supportRouteTo.contacts} />
          <ForwardQuestion key={client.clientAccountId} client={client} />
        </div>
      ) : (
        <p class="amop-muted amop-small" data-support-route="vendor">
          {t('staff.support_vendor')}
        </p>
      )}
    </div>
  );
}

function Lookup({ accountId }: { accountId: number }) {
  const { api } = useCtx();
  const client = useLoad(
    (signal) => api.get<StaffClient>(`/api/v1/staff/clients/${accountId}`, { signal }),
    [api, accountId],
  );
  return <Loaded load={client}>{(data) => <StaffVerdict client={data} />}</Loaded>;
}

/** The search box and its answer; `initial` follows the card's account-id field. */
export function ClientCheck({ initial, compact }: { initial: string | null; compact?: boolean }) {
  const { t } = useCtx();
  const [input, setInput] = useState(initial ?? '');
  const [checked, setChecked] = useState<number | null>(accountIdOf(initial));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setInput(initial ?? '');
    setChecked(accountIdOf(initial));
    setError(initial && !accountIdOf(initial) ? t('staff.err.card_field') : null);
  }, [initial]);
  return (
    <div class={`amop-check${compact ? ' amop-check--compact' : ''}`}>
      <Form
        class="amop-inline-form"
        role="search"
        name="client-search"
        onSubmit={() => {
          const id = accountIdOf(input);
          setError(id ? null : t('pin.err.account_id'));
          setChecked(id);
        }}
      >
        <TextField
          path="accountId"
          label={t('staff.search_label')}
          value={input}
          onValue={setInput}
          error={error}
          inputMode="numeric"
          autoComplete="off"
        />
        <Button type="submit" small={compact}>
          {t('staff.search')}
        </Button>
      </Form>
      {checked ? (
        <Lookup key={checked} accountId={checked} />
      ) : (
        !error && <p class="amop-muted amop-small">{t('staff.no_account')}</p>
      )}
    </div>
  );
}

export function StaffCard() {
  const { accountIdField } = useCtx();
  const fromCard = useCardField(accountIdField);
  return <ClientCheck initial={fromCard} compact />;
}

export function StaffPage({ userName }: { userName: string | null }) {
  const { t } = useCtx();
  return (
    <div class="amop-staff">
      <PageHead title={t('staff.title')} userName={userName} />
      <p class="amop-lead">{t('staff.intro')}</p>
      <ClientCheck initial={null} />
    </div>
  );
}
