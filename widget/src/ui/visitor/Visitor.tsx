/**
 * An account that is not a partner (yet). Two reasons to be here: to join the program, or — as a partner's
 * client — to confirm the partner's request with the code from the partner's link (`/confirm/:code`).
 * Confirming needs this account's own identity, which only the widget inside it has.
 */
import { useState } from 'preact/hooks';
import { formatDate } from '../../format';
import type { ClientRequest, Pin } from '../../types';
import { useAction, useCtx } from '../ctx';
import { Button, ErrorBox, Form, Notice, Tabs, TextField } from '../kit';
import { RegisterForm } from './Register';

const CODE = /^[A-Za-z0-9_-]{20,100}$/;

/** The code itself, or the code inside a pasted link `…/confirm/<code>`. */
export function codeOf(input: string): string {
  const fromLink = /\/confirm\/([A-Za-z0-9_-]+)/.exec(input);
  return (fromLink ? fromLink[1]! : input).trim();
}

export function VisitorPage() {
  const { t, who } = useCtx();
  return (
    <div class="amop-visitor">
      {/* amoCRM titles the page with the widget's name already (manifest `advanced.title`). */}
      <p class="amop-lead amop-lead--first">{t('visitor.intro', { accountId: who.accountId })}</p>
      <Tabs
        label={t('app.title')}
        tabs={[
          { id: 'register', label: t('visitor.tab_register') },
          { id: 'confirm', label: t('visitor.tab_confirm') },
        ]}
      >
        {(tab) =>
          tab === 'register' ? (
            <>
              <p class="amop-lead">{t('visitor.register_intro')}</p>
              <RegisterForm />
            </>
          ) : (
            <ConfirmRequest />
          )
        }
      </Tabs>
    </div>
  );
}

export function VisitorCard() {
  const { t } = useCtx();
  return (
    <div class="amop-visitor-card">
      <p>{t('visitor.card')}</p>
      <p class="amop-muted amop-small">{t('visitor.card_hint')}</p>
    </div>
  );
}

export function ConfirmRequest() {
  const { t, lang, api, who } = useCtx();
  const [input, setInput] = useState('');
  const [formatError, setFormatError] = useState<string | null>(null);
  const lookup = useAction((_key: string, code: string) =>
    api.get<ClientRequest>(`/api/v1/client-requests/${encodeURIComponent(code)}`),
  );
  const confirm = useAction((key: string, code: string) =>
    api.post<Pin>(`/api/v1/client-requests/${encodeURIComponent(code)}/confirm`, undefined, {
      idempotencyKey: key,
    }),
  );
  const code = codeOf(input);
  const request = lookup.result;

  const check = () => {
    if (!CODE.test(code)) {
      setFormatError(t('confirm.err.format'));
      return;
    }
    setFormatError(null);
    confirm.reset();
    void lookup.run(code);
  };

  return (
    <div class="amop-confirm" data-step={confirm.result ? 'done' : request ? 'review' : 'code'}>
      <p class="amop-lead">{t('confirm.intro')}</p>
      <Form class="amop-form amop-inline-form" onSubmit={check}>
        <TextField
          path="code"
          label={t('confirm.code')}
          value={input}
          onValue={(v) => {
            setInput(v);
            setFormatError(null);
          }}
          error={formatError}
          hint={t('confirm.code_hint')}
          autoComplete="off"
          spellcheck={false}
        />
        <Button type="submit" busy={lookup.busy}>
          {t('confirm.check')}
        </Button>
      </Form>
      {lookup.error && <ErrorBox error={lookup.error} />}
      {request && !confirm.result && (
        <div class="amop-card-box" data-request-pin={request.pinId}>
          <p>
            {t('confirm.request', {
              partner: request.partner.name,
              accountId: request.clientAccountId,
              until: formatDate(request.expiresAt, lang, 'time'),
            })}
          </p>
          {request.clientAccountId !== who.accountId && (
            <Notice tone="warn">
              {t('confirm.other_account', { accountId: request.clientAccountId, current: who.accountId })}
            </Notice>
          )}
          <p class="amop-muted amop-small">{t('confirm.meaning')}</p>
          <Button kind="primary" busy={confirm.busy} onClick={() => void confirm.run(code)}>
            {t('confirm.submit', { partner: request.partner.name })}
          </Button>
          {confirm.error && <ErrorBox error={confirm.error} />}
        </div>
      )}
      {confirm.result && (
        <Notice tone="ok" data-confirmed={confirm.result.status}>
          {t('confirm.done', {
            partner: request?.partner.name ?? '',
            since: formatDate(confirm.result.since, lang, 'long'),
          })}
        </Notice>
      )}
    </div>
  );
}
