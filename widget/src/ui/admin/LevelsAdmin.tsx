/**
 * Admin: seed 004 (the `oblakoteka` preset). «Пересчитать на дату» runs the program's daily computations for a
 * day (tiers, level reviews, rebates) and says what the run recorded; for one partner, an exam passed, the model
 * from a date, and a published case study or comment's bounty (an amount only for a bounty with a range). Each
 * form is one audited API call; the server's refusals land under the field they name.
 */
import { useState } from 'preact/hooks';
import { formatDate, noonMsk, parseAmountToMinor, todayIso } from '../../format';
import { words } from '../../i18n';
import type {
  Allowances,
  BountyRecorded,
  ExamRecorded,
  ModelSet,
  Partner,
  ProgramDoc,
  Settled,
} from '../../types';
import { useCtx, useLoad, usePost } from '../ctx';
import { AllowancesTab } from '../partner/Oblakoteka';
import {
  ErrorBox,
  Form,
  Money,
  Notice,
  Section,
  SelectField,
  SubmitButton,
  SubmitRow,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';

/**
 * One of the program's titled items (its models, its bounties) to pick in a SelectField, the first at first:
 * `field` goes to the select as `{...field}`, `item` is the one picked.
 */
function usePick<T extends { title: { ru: string; en?: string } }>(
  items: T[] | undefined,
  idOf: (item: T) => string,
) {
  const { lang } = useCtx();
  const all = items ?? [];
  const [value, onValue] = useState(all[0] ? idOf(all[0]) : '');
  const options = all.map((item): [string, string] => [idOf(item), words(item.title, lang)]);
  return { field: { value, onValue, options }, item: all.find((item) => idOf(item) === value) };
}

/** Does the program in force have anything this tab acts on? */
export const hasSeed004 = (doc: ProgramDoc) =>
  !!(doc.levels?.keep || doc.models || doc.bounties?.length || doc.settlements?.length);

function SettleForm() {
  const { t, lang } = useCtx();
  const { values, field } = useFields({ asOf: todayIso() });
  const settle = usePost<Settled>('/api/v1/admin/program/settle');
  const { shown } = useFieldErrors(settle.error, 'obl.invalid');
  const r = settle.result;
  return (
    <Section title={t('obl.settle')} data-section="settle">
      <p class="amop-muted amop-small">{t('obl.settle_intro')}</p>
      <Form class="amop-inline-form" name="settle" onSubmit={() => settle.run({ asOf: values.asOf })}>
        <TextField {...field('asOf', shown)} type="date" label={t('admin.as_of')} />
        <SubmitButton label={t('obl.settle_run')} busy={settle.busy} />
      </Form>
      {settle.error && !shown.asOf && <ErrorBox error={settle.error} />}
      {r && (
        <Notice
          tone="ok"
          role="status"
          data-settled={r.asOf}
          data-level-changes={r.levelChanges}
          data-settlements={r.settlementsRecorded}
        >
          {t('obl.settled', {
            date: formatDate(r.asOf, lang),
            levels: r.levelChanges,
            recorded: r.settlementsRecorded,
            revised: r.settlementsRevised,
            tiers: r.tiersRecorded,
          })}
        </Notice>
      )}
    </Section>
  );
}

function ExamForm({ partnerId }: { partnerId: string }) {
  const { t, lang } = useCtx();
  const { values, field } = useFields({ passedAt: todayIso() });
  const exam = usePost<ExamRecorded>(`/api/v1/admin/partners/${partnerId}/exam`);
  const { shown } = useFieldErrors(exam.error, 'obl.invalid');
  return (
    <Form
      class="amop-form amop-card-box"
      name="exam"
      onSubmit={() => exam.run({ passedAt: values.passedAt })}
    >
      <h4 class="amop-subtitle">{t('obl.exam')}</h4>
      <TextField {...field('passedAt', shown)} type="date" label={t('obl.exam_date')} />
      <SubmitRow small label={t('obl.record_exam')} busy={exam.busy} />
      {exam.error && !shown.passedAt && <ErrorBox error={exam.error} />}
      {exam.result && (
        <Notice tone="ok" role="status" data-exam={exam.result.passedOn}>
          {t('obl.exam_done', {
            date: formatDate(exam.result.passedOn, lang),
            exams: exam.result.exams.map((d) => formatDate(d, lang)).join(', '),
            n: exam.result.levelChanges,
          })}
        </Notice>
      )}
    </Form>
  );
}

function ModelForm({ partnerId, doc }: { partnerId: string; doc: ProgramDoc }) {
  const { t, lang } = useCtx();
  const model = usePick(doc.models, (m) => m.code);
  const { values, field } = useFields({ from: todayIso() });
  const set = usePost<ModelSet>(`/api/v1/admin/partners/${partnerId}/model`);
  const { shown } = useFieldErrors(set.error, 'obl.invalid');
  const title = (code: string) => model.field.options.find(([value]) => value === code)?.[1] ?? code;
  return (
    <Form
      class="amop-form amop-card-box"
      name="model"
      onSubmit={() => set.run({ model: model.field.value, from: values.from })}
    >
      <h4 class="amop-subtitle">{t('obl.model')}</h4>
      <SelectField path="model" label={t('obl.model')} {...model.field} />
      <TextField {...field('from', shown)} type="date" label={t('obl.from')} />
      <SubmitRow small label={t('obl.set_model')} busy={set.busy} />
      {set.error && !shown.from && <ErrorBox error={set.error} />}
      {set.result && (
        <Notice tone="ok" role="status" data-model-set={set.result.model}>
          {t('obl.model_done', {
            model: title(set.result.model),
            date: formatDate(set.result.fromDate, lang),
          })}
        </Notice>
      )}
    </Form>
  );
}

function BountyForm({ partnerId, doc }: { partnerId: string; doc: ProgramDoc }) {
  const { t } = useCtx();
  const pick = usePick(doc.bounties, (b) => b.id);
  const { values, field } = useFields({ amountMinor: '', publishedAt: todayIso() });
  const record = usePost<BountyRecorded>(`/api/v1/admin/partners/${partnerId}/bounties`);
  const { shown, passes } = useFieldErrors(record.error, 'obl.invalid');
  const bounty = pick.item;
  const ranged = !!bounty && bounty.minMinor !== bounty.maxMinor;
  const submit = async () => {
    const amountMinor = ranged ? parseAmountToMinor(values.amountMinor) : undefined;
    if (!passes(amountMinor === null ? { amountMinor: t('inv.err.amount') } : {})) return;
    await record.run({
      bountyId: pick.field.value,
      ...(amountMinor ? { amountMinor } : {}),
      publishedAt: noonMsk(values.publishedAt),
    });
  };
  const r = record.result;
  return (
    <Form class="amop-form amop-card-box" name="bounty" onSubmit={submit}>
      <h4 class="amop-subtitle">{t('obl.bounty')}</h4>
      <SelectField path="bountyId" label={t('obl.bounty')} {...pick.field} />
      {ranged && (
        <TextField
          {...field('amountMinor', shown)}
          label={t('obl.amount_rub')}
          inputMode="decimal"
          hint={
            <>
              <Money minor={bounty.minMinor} /> – <Money minor={bounty.maxMinor} />
            </>
          }
        />
      )}
      <TextField {...field('publishedAt', shown)} type="date" label={t('obl.published_on')} />
      <SubmitRow small label={t('obl.record_bounty')} busy={record.busy} />
      {record.error && !shown.amountMinor && !shown.publishedAt && <ErrorBox error={record.error} />}
      {r && (
        <Notice
          tone={r.payable ? 'ok' : 'warn'}
          role="status"
          data-bounty={r.bountyId}
          data-amount={r.amountMinor}
        >
          {t('obl.bounty_done')} <Money minor={r.amountMinor} />
          {r.reason && ` — ${r.reason}`}
        </Notice>
      )}
    </Form>
  );
}

/** A partner's quotas as it sees them, and grants on its behalf through the admin's routes. */
function PartnerQuotas({ partnerId }: { partnerId: string }) {
  const { api } = useCtx();
  const base = `/api/v1/admin/partners/${partnerId}`;
  const load = useLoad((signal) => api.get<Allowances>(`${base}/allowances`, { signal }), [api, base]);
  return <AllowancesTab load={load} base={base} />;
}

/** The admin's «Уровни и бонусы» tab: the settlement run, then one partner's exam, model and bounty. */
export function LevelsAdminTab({ doc, partners }: { doc: ProgramDoc; partners: Partner[] }) {
  const { t } = useCtx();
  const [partnerId, setPartnerId] = useState('');
  const id = partnerId || partners[0]?.id || '';
  return (
    <>
      <SettleForm />
      <Section title={t('obl.partner_actions')} data-section="partner-actions">
        {id ? (
          <>
            <SelectField
              path="partnerId"
              label={t('admin.partner')}
              value={id}
              onValue={setPartnerId}
              options={partners.map((p) => [p.id, `${p.name} · ${p.accountId}`])}
            />
            <div class="amop-grid amop-obl" key={id} data-partner-id={id}>
              {doc.levels?.keep && <ExamForm partnerId={id} />}
              {doc.models && <ModelForm partnerId={id} doc={doc} />}
              {!!doc.bounties?.length && <BountyForm partnerId={id} doc={doc} />}
            </div>
            {!!doc.allowances?.length && <PartnerQuotas key={`q-${id}`} partnerId={id} />}
          </>
        ) : (
          <p class="amop-empty">{t('admin.partners_empty')}</p>
        )}
      </Section>
    </>
  );
}
