/**
 * Pinning a client and the client list (rules 7–11). The outcome of a pin is immediate and explained in
 * plain words: pinned at once, waiting for the client's own request (with a link to send the client),
 * waiting for the vendor's check, or refused — and why.
 */
import { useState } from 'preact/hooks';
import { formatDate } from '../../format';
import type { ConfirmationLink as Link, PartnerPin, Pin, PinStatus } from '../../types';
import { accountIdOf } from '../cardField';
import { tOr, useCtx, usePaged, usePost } from '../ctx';
import {
  Badge,
  Button,
  ClientAccountCell,
  ErrorBox,
  fieldErrors,
  Form,
  ListTable,
  Notice,
  Section,
  SubmitRow,
  TextField,
  useFields,
} from '../kit';
import { copyText } from '../clipboard';

const STATUS_TONE: Record<PinStatus, string> = {
  pinned: 'ok',
  attributed: 'info',
  pending_client_request: 'warn',
  pending_check: 'warn',
  rejected: 'error',
  released: 'muted',
  transferred: 'muted',
};

export function PinStatusBadge({ status }: { status: PinStatus }) {
  const { t } = useCtx();
  return (
    <Badge tone={STATUS_TONE[status] ?? 'muted'} data-pin-status={status}>
      {tOr(t, `pin.status.${status}`, status)}
    </Badge>
  );
}

/** The reason of a refused or waiting pin, in plain words. */
export function pinReasonText(t: (k: string) => string, reason: string | null | undefined): string | null {
  return reason ? tOr(t, `pin.reason.${reason}`, reason) : null;
}

/** What happened to a pin request, said at once (the answer of `POST /api/v1/pins`). */
export function PinOutcome({ pin, onDispute }: { pin: Pin; onDispute?(pin: Pin): void }) {
  const { t, lang } = useCtx();
  const tone =
    pin.status === 'pinned'
      ? 'ok'
      : pin.status === 'rejected'
        ? 'error'
        : pin.status === 'attributed'
          ? 'info'
          : 'warn';
  const reason = pinReasonText(t, pin.reason);
  return (
    <Notice tone={tone} data-pin-outcome={pin.status} data-reason={pin.reason ?? ''} role="status">
      <strong class="amop-outcome__title">
        {tOr(t, `pin.outcome.${pin.status}`, pin.status, {
          accountId: pin.clientAccountId,
          since: formatDate(pin.since, lang, 'long'),
        })}
      </strong>
      {reason && <p class="amop-outcome__reason">{reason}</p>}
      {pin.status === 'pending_client_request' && <ConfirmationLink pin={pin} />}
      {pin.status === 'rejected' && pin.reason === 'already_pinned' && onDispute && (
        <Button small onClick={() => onDispute(pin)}>
          {t('pin.dispute')}
        </Button>
      )}
    </Notice>
  );
}

/** A single-use link (7 days) the client opens from its own amoCRM account to confirm the request. */
export function ConfirmationLink({ pin }: { pin: Pin }) {
  const { t, lang } = useCtx();
  const link = usePost<Link>(`/api/v1/pins/${pin.id}/confirmation-link`);
  const [copied, setCopied] = useState(false);
  if (link.result) {
    const { url, code, expiresAt } = link.result;
    return (
      <div class="amop-link-box" data-confirmation-code={code}>
        <p class="amop-small">{t('pin.link_ready', { until: formatDate(expiresAt, lang, 'time') })}</p>
        <div class="amop-copy">
          <input
            class="amop-input"
            readOnly
            value={url}
            aria-label={t('pin.link_label')}
            onFocus={(e) => e.currentTarget.select()}
          />
          <Button
            small
            onClick={() => {
              void copyText(url).then(setCopied);
            }}
          >
            {copied ? t('ui.copied') : t('ui.copy')}
          </Button>
        </div>
        <p class="amop-muted amop-small">{t('pin.link_hint', { code })}</p>
      </div>
    );
  }
  return (
    <div class="amop-link-box">
      <Button small busy={link.busy} onClick={() => void link.run()}>
        {t('pin.get_link')}
      </Button>
      {link.error && <ErrorBox error={link.error} />}
    </div>
  );
}

export function PinForm({
  onPinned,
  onDispute,
  initialAccountId = '',
  compact,
}: {
  onPinned?(pin: Pin): void;
  onDispute?(pin: Pin): void;
  initialAccountId?: string;
  compact?: boolean;
}) {
  const { t, lang } = useCtx();
  const { values, set, field } = useFields({
    clientAccountId: initialAccountId,
    clientSubdomain: '',
    comment: '',
  });
  const [idError, setIdError] = useState<string | null>(null);
  const pin = usePost<Pin>('/api/v1/pins');
  const server = fieldErrors(pin.error, lang, t, 'pin.invalid');

  const submit = async () => {
    const id = accountIdOf(values.clientAccountId);
    if (!id) {
      setIdError(t('pin.err.account_id'));
      return;
    }
    setIdError(null);
    const body: Record<string, unknown> = { clientAccountId: id };
    const subdomain = values.clientSubdomain.trim();
    const comment = values.comment.trim();
    if (subdomain) body.clientSubdomain = subdomain.replace(/\.(amocrm\.ru|kommo\.com)$/i, '');
    if (comment) body.comment = comment;
    const result = await pin.run(body);
    if (result) onPinned?.(result);
  };

  return (
    <Form name="pin" onSubmit={submit}>
      <div class={compact ? '' : 'amop-grid'}>
        <TextField
          {...field('clientAccountId')}
          label={t('pin.account_id')}
          onValue={(v) => {
            set('clientAccountId', v);
            setIdError(null);
          }}
          error={idError ?? server.clientAccountId}
          hint={compact ? undefined : t('pin.account_id_hint')}
          inputMode="numeric"
          autoComplete="off"
        />
        {!compact && (
          <>
            <TextField
              {...field('clientSubdomain', server)}
              label={t('pin.subdomain')}
              hint={t('pin.subdomain_hint')}
              autoComplete="off"
            />
            <TextField {...field('comment', server)} label={t('pin.comment')} maxLength={1000} />
          </>
        )}
      </div>
      <SubmitRow label={t('pin.submit')} busy={pin.busy} />
      {pin.error && <ErrorBox error={pin.error} />}
      {pin.result && <PinOutcome pin={pin.result} onDispute={onDispute} />}
    </Form>
  );
}

const products = (pin: PartnerPin) => (pin.products.length ? pin.products.join(', ') : '—');

export function ClientsTab({ onDispute }: { onDispute(pin: Pin): void }) {
  const { t, lang } = useCtx();
  const list = usePaged<PartnerPin>('/api/v1/pins', { limit: 50 });
  return (
    <>
      <Section title={t('pin.title')} data-section="pin">
        <p class="amop-muted amop-small">{t('pin.intro')}</p>
        <PinForm onPinned={() => list.reload()} onDispute={onDispute} />
      </Section>
      <Section title={t('clients.title')} data-section="clients">
        <ListTable
          list={list}
          empty={t('clients.empty')}
          name="clients"
          columns={[
            'clients.account',
            'clients.status',
            'clients.since',
            'clients.products',
            'clients.paid_until',
          ]}
          actions
          row={(pin) => (
            <tr key={pin.id} data-pin-id={pin.id} data-client={pin.clientAccountId}>
              <ClientAccountCell accountId={pin.clientAccountId} subdomain={pin.clientSubdomain} />
              <td>
                <PinStatusBadge status={pin.status} />
                {pin.reason && <div class="amop-muted amop-small">{pinReasonText(t, pin.reason)}</div>}
              </td>
              <td>{formatDate(pin.since, lang)}</td>
              <td>{products(pin)}</td>
              <td>{formatDate(pin.paidUntil, lang)}</td>
              <td class="amop-cell-actions">
                {pin.status === 'pending_client_request' && <ConfirmationLink pin={pin} />}
                {pin.status === 'rejected' && pin.reason === 'already_pinned' && (
                  <Button small onClick={() => onDispute(pin)}>
                    {t('pin.dispute')}
                  </Button>
                )}
              </td>
            </tr>
          )}
        />
      </Section>
    </>
  );
}
