/**
 * The partner's inbox: client questions the vendor's support routed here (rule 13; mark them answered),
 * and disputes (rules 10, 12): open one about a refused pin or a missing commission, see the decision.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { formatDate } from '../../format';
import type { Dispute, Page, PartnerPin, Pin, Question } from '../../types';
import { itemsOf } from '../../types';
import { tOr, useCtx, useLoad, usePaged, usePost } from '../ctx';
import {
  Badge,
  Button,
  ErrorBox,
  Form,
  ListState,
  Money,
  Notice,
  RadioGroup,
  Section,
  SelectField,
  SubmitRow,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';

function QuestionItem({ q, onChanged }: { q: Question; onChanged(): void }) {
  const { t, lang } = useCtx();
  const answer = usePost<Question>(`/api/v1/questions/${q.id}/answered`);
  const answered = answer.result?.answeredAt ?? q.answeredAt;
  return (
    <li
      class={`amop-item${answered ? '' : ' amop-item--new'}`}
      data-question-id={q.id}
      data-answered={String(!!answered)}
    >
      <div class="amop-item__head">
        <strong>{t('q.client', { accountId: q.clientAccountId })}</strong>
        <span class="amop-muted amop-small">{formatDate(q.createdAt, lang, 'time')}</span>
        {answered ? (
          <Badge tone="ok">{t('q.answered', { date: formatDate(answered, lang) })}</Badge>
        ) : (
          <Badge tone="warn">{t('q.new')}</Badge>
        )}
      </div>
      <p class="amop-item__text">{q.text}</p>
      {!answered && (
        <Button
          small
          busy={answer.busy}
          onClick={async () => {
            if (await answer.run()) onChanged();
          }}
        >
          {t('q.mark_answered')}
        </Button>
      )}
      {answer.error && <ErrorBox error={answer.error} />}
    </li>
  );
}

export function QuestionsTab({ onChanged }: { onChanged?(): void }) {
  const { t } = useCtx();
  const list = usePaged<Question>('/api/v1/questions', { limit: 50 });
  return (
    <Section title={t('q.title')} data-section="questions">
      <p class="amop-muted amop-small">{t('q.intro')}</p>
      <ListState list={list} empty={t('q.empty')}>
        <ul class="amop-list">
          {list.items.map((q) => (
            <QuestionItem key={q.id} q={q} onChanged={() => onChanged?.()} />
          ))}
        </ul>
      </ListState>
    </Section>
  );
}

const DISPUTE_TONE: Record<string, string> = {
  open: 'warn',
  decided_for_partner: 'ok',
  decided_against_partner: 'error',
};

export function DisputeItem({
  d,
  clientOf,
  children,
}: {
  d: Dispute;
  /** Pin id → client account, when the screen knows the pins (the partner's own). */
  clientOf?: Map<string, number>;
  children?: ComponentChildren;
}) {
  const { t, lang } = useCtx();
  const client = d.pinId ? clientOf?.get(d.pinId) : undefined;
  return (
    <li class="amop-item" data-dispute-id={d.id} data-dispute-status={d.status}>
      <div class="amop-item__head">
        <strong>{t(`dsp.kind_${d.kind}`)}</strong>
        <span class="amop-small">
          {d.kind === 'rejected_pin'
            ? client
              ? t('q.client', { accountId: client })
              : d.pinId
            : t('dsp.about_payment', { payment: d.paymentExternalId ?? '' })}
        </span>
        <span class="amop-muted amop-small">{formatDate(d.createdAt, lang)}</span>
        <Badge tone={DISPUTE_TONE[d.status] ?? 'muted'}>{tOr(t, `dsp.status.${d.status}`, d.status)}</Badge>
      </div>
      <p class="amop-item__text">{d.text}</p>
      {d.status !== 'open' && (
        <div class="amop-decision" data-decision>
          <strong>{t('dsp.decision', { date: formatDate(d.decidedAt, lang) })}</strong> {d.decisionReason}
          {d.compensationMinor ? (
            <div>
              {t('dsp.compensation')}: <Money minor={d.compensationMinor} currency={d.currency} />
            </div>
          ) : null}
        </div>
      )}
      {children}
    </li>
  );
}

function OpenDisputeForm({
  pinId,
  pins,
  loading,
  onOpened,
}: {
  pinId: string | null;
  pins: Pin[];
  loading: boolean;
  onOpened(): void;
}) {
  const { t, lang } = useCtx();
  const [kind, setKind] = useState('rejected_pin');
  const [pin, setPin] = useState(pinId ?? '');
  const { values, set, field } = useFields({ paymentExternalId: '', text: '' });
  const open = usePost<Dispute>('/api/v1/disputes');
  const { shown, own, passes } = useFieldErrors(open.error, 'dsp.invalid');
  const chosenPin = pin || pins[0]?.id || '';

  const submit = async () => {
    const errors: Record<string, string> = {};
    const payment = values.paymentExternalId.trim();
    const text = values.text.trim();
    if (kind === 'rejected_pin' && !chosenPin) errors.pinId = t('dsp.err.pin');
    if (kind === 'missing_commission' && !payment) errors.paymentExternalId = t('dsp.err.payment');
    if (text.length < 10) errors.text = t('dsp.err.text');
    if (!passes(errors)) return;
    const body =
      kind === 'rejected_pin' ? { kind, pinId: chosenPin, text } : { kind, paymentExternalId: payment, text };
    if (await open.run(body)) {
      set('text', '');
      onOpened();
    }
  };

  return (
    <Form name="dispute" onSubmit={submit}>
      <RadioGroup
        legend={t('dsp.kind')}
        name="dispute-kind"
        value={kind}
        onValue={setKind}
        options={['rejected_pin', 'missing_commission']}
        labels="dsp.kind_"
      />
      {kind === 'rejected_pin' ? (
        pins.length ? (
          <SelectField
            path="pinId"
            label={t('dsp.pin')}
            value={chosenPin}
            onValue={setPin}
            options={pins.map((p) => [
              p.id,
              `${p.clientAccountId}${p.clientSubdomain ? ` · ${p.clientSubdomain}` : ''} — ${formatDate(p.createdAt, lang)}`,
            ])}
          />
        ) : (
          <Notice tone="info">{loading ? t('ui.loading') : t('dsp.no_rejected')}</Notice>
        )
      ) : (
        <TextField
          {...field('paymentExternalId', shown)}
          label={t('dsp.payment')}
          hint={t('dsp.payment_hint')}
        />
      )}
      {own.pinId && <div class="amop-field__error">{own.pinId}</div>}
      <TextField {...field('text', shown)} multiline label={t('dsp.text')} maxLength={5000} />
      <SubmitRow label={t('dsp.submit')} busy={open.busy} />
      {open.error && <ErrorBox error={open.error} />}
      {open.result && <Notice tone="ok">{t('dsp.opened')}</Notice>}
    </Form>
  );
}

export function DisputesTab({ pinId }: { pinId: string | null }) {
  const { t, api } = useCtx();
  const list = usePaged<Dispute>('/api/v1/disputes', { limit: 50 });
  const rejected = useLoad(
    (signal) =>
      api.get<Page<PartnerPin>>('/api/v1/pins', { signal, query: { status: 'rejected', limit: 200 } }),
    [api],
  );
  const pins = itemsOf(rejected.data);
  const clientOf = new Map(pins.map((p) => [p.id, p.clientAccountId]));
  return (
    <>
      <Section title={t('dsp.open_title')} data-section="dispute-form">
        <p class="amop-muted amop-small">{t('dsp.intro')}</p>
        <OpenDisputeForm
          pinId={pinId}
          pins={pins}
          loading={rejected.state === 'loading'}
          onOpened={() => list.reload()}
        />
      </Section>
      <Section title={t('dsp.title')} data-section="disputes">
        <ListState list={list} empty={t('dsp.empty')}>
          <ul class="amop-list">
            {list.items.map((d) => (
              <DisputeItem key={d.id} d={d} clientOf={clientOf} />
            ))}
          </ul>
        </ListState>
      </Section>
    </>
  );
}
