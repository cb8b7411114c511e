/**
 * Seed 004 (the `oblakoteka` preset) on the partner's page: the kept level with this month's revenue against the
 * minimum, the months left before a demotion, exams, Cloudовка, the model and the level history (in «Программа»);
 * «Рибейты и бонусы» — rebates, growth rebates and bounties with their calculation; «Бонусные коды» — the
 * quarter's quotas, a bonus code or a free month for a client, and what was granted. Every figure is the
 * server's; amounts typed here become kopecks by string parsing (format.ts), never by arithmetic.
 */
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../../api';
import { formatDate, formatMoney, parseAmountToMinor } from '../../format';
import { words } from '../../i18n';
import type { Allowances, BonusCode, ExtraReward, FreeMonth, LevelKeep, PartnerModelView } from '../../types';
import { tOr, useCtx, useLoad, usePost, type Load } from '../ctx';
import {
  DataTable,
  Empty,
  ErrorBox,
  Form,
  Loaded,
  Money,
  Notice,
  Section,
  SubmitButton,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';
import { CopyButton } from './Links';

/** The rows of a definition list, as the «Программа» tab shows its terms. */
function Rows({ rows, ...rest }: { rows: Array<[string, ComponentChildren]> } & Record<string, unknown>) {
  return (
    <dl class="amop-dl" {...rest}>
      {rows.map(([k, v]) => (
        <div key={k} class="amop-dl__row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The kept level (seed 004): where the partner stands, this month against the minimum, and how it got here. */
export function LevelKeepSection({
  keep,
  model,
}: {
  keep: LevelKeep | null;
  model: PartnerModelView | null;
}) {
  const { t, lang } = useCtx();
  const rows: Array<[string, ComponentChildren]> = [];
  const m = keep?.month;
  if (keep && m) {
    rows.push(
      [
        t('obl.month', { from: formatDate(m.fromDate, lang), to: formatDate(m.toDate, lang) }),
        <span data-month-revenue={m.revenueMinor}>
          <Money minor={m.revenueMinor} /> {t('obl.of')} <Money minor={m.minMinor} />{' '}
          <progress value={m.revenueMinor} max={m.minMinor} />
          <div class="amop-muted amop-small" data-remaining={m.remainingMinor}>
            {m.remainingMinor > 0 ? (
              <>
                {t('obl.remaining')} <Money minor={m.remainingMinor} /> {t('obl.to')}{' '}
                <Money minor={m.minMinor} />
              </>
            ) : (
              t('obl.met')
            )}
          </div>
        </span>,
      ],
      [
        t('obl.months_left_k'),
        <span data-months-left={keep.monthsLeft ?? ''}>
          {keep.monthsLeft === null
            ? t(keep.examsPassedOn.length ? 'obl.kept_by_exam' : 'obl.no_demotion')
            : t('obl.months_left', { n: keep.monthsLeft, missed: keep.missedMonths })}
        </span>,
      ],
      [
        t('obl.exams'),
        <span data-exams={keep.examsPassedOn.join(' ')}>
          {keep.examsPassedOn.length
            ? keep.examsPassedOn.map((d) => formatDate(d, lang)).join(', ')
            : t('obl.no_exams')}
        </span>,
      ],
    );
    if (keep.freePerk)
      rows.push([
        words(keep.freePerk.title, lang),
        <span data-perk-paid-from={keep.freePerk.paidFrom ?? ''}>
          {keep.freePerk.paidFrom
            ? t('obl.perk_paid', { date: formatDate(keep.freePerk.paidFrom, lang) })
            : t('obl.perk_free')}
        </span>,
      ]);
  }
  if (model)
    rows.push([
      t('obl.model'),
      <span data-model={model.code ?? ''}>
        {model.code
          ? t('obl.model_since', { model: words(model.title, lang), date: formatDate(model.since, lang) })
          : t('obl.no_model')}
        {model.earnsAs && model.earnsAs !== model.code && (
          <div class="amop-muted amop-small" data-earns-as={model.earnsAs}>
            {t('obl.earns_as', { model: words(model.earnsAsTitle, lang) })}
          </div>
        )}
      </span>,
    ]);
  const reason = (r: string) => t(`obl.reason.${r}`, { min: formatMoney(m?.minMinor) });
  return (
    <Section title={t('obl.level_title')} data-section="level-keep" data-level-keep={keep?.code ?? ''}>
      {keep && (
        <p>
          {!keep.code
            ? t('obl.no_level')
            : keep.since
              ? t('obl.level_since', { level: words(keep.title, lang), date: formatDate(keep.since, lang) })
              : t('aff.level', { level: words(keep.title, lang) })}
        </p>
      )}
      <Rows rows={rows} />
      {keep && (
        <>
          <h4 class="amop-subtitle">{t('obl.history')}</h4>
          {keep.history.length ? (
            <DataTable name="level-history" columns={['money.date', 'obl.level', 'obl.reason_col']}>
              {[...keep.history].reverse().map((h) => (
                <tr key={h.fromDate + h.level} data-reason={h.reason}>
                  <td>{formatDate(h.fromDate, lang)}</td>
                  <td>{words(h.title, lang)}</td>
                  <td>{reason(h.reason)}</td>
                </tr>
              ))}
            </DataTable>
          ) : (
            <Empty>{t('obl.no_history')}</Empty>
          )}
        </>
      )}
    </Section>
  );
}

function ExtraRow({ r }: { r: ExtraReward }) {
  const { t, lang } = useCtx();
  return (
    <tr data-extra={r.kind} data-rule={r.ruleId} data-amount={r.amountMinor} data-form={r.form}>
      <td>{formatDate(r.at, lang)}</td>
      <td>
        {tOr(t, `obl.rule.${r.ruleId}`, '')}
        <div class="amop-muted amop-small">{t(`obl.kind.${r.kind}`)}</div>
      </td>
      <td>
        {r.period ? `${formatDate(r.period.fromDate, lang)} – ${formatDate(r.period.toDate, lang)}` : '—'}
      </td>
      <td class="amop-num">
        <strong>
          <Money minor={r.amountMinor} />
        </strong>
      </td>
      <td>
        {tOr(t, `obl.form.${r.form}`, r.form)}
        {!r.payable && r.reason && <div class="amop-muted amop-small">{r.reason}</div>}
      </td>
      <td class="amop-small" data-calculation>
        {r.calculation ?? t('obl.published', { date: formatDate(r.at, lang) })}
      </td>
    </tr>
  );
}

/** «Рибейты и бонусы»: the partner's rebates, growth rebates and bounties, newest first, as the server settled them. */
export function ExtrasTab({ list }: { list: Load<{ items: ExtraReward[] }> & { reload(): void } }) {
  const { t } = useCtx();
  return (
    <Section title={t('obl.extras')} data-section="extras">
      <p class="amop-muted amop-small">{t('obl.extras_intro')}</p>
      <Loaded load={list}>
        {(data) =>
          data.items.length ? (
            <DataTable
              name="extras"
              columns={[
                'money.date',
                'obl.what',
                'obl.period',
                { key: 'inv.amount_col', num: true },
                'obl.form_col',
                'obl.calculation',
              ]}
            >
              {data.items.map((r) => (
                <ExtraRow key={r.id} r={r} />
              ))}
            </DataTable>
          ) : (
            <Empty>{t('obl.no_extras')}</Empty>
          )
        }
      </Loaded>
    </Section>
  );
}

/** A quota of the quarter in words: «осталось 9 из 10», or no limit. */
function quota(
  t: (k: string, v?: Record<string, string | number>) => string,
  q: { limit: number | null; left: number | null },
) {
  return q.limit === null ? t('obl.no_limit') : t('obl.left_of', { left: q.left ?? 0, limit: q.limit });
}

/**
 * What no field of a grant form shows: a refusal about no one field (the quarter's count, `body`) in the server's
 * Russian words, or an error with no field at all (a blocked partner, the server down).
 */
function OtherError({ shown, error }: { shown: Record<string, string>; error: ApiError | null }) {
  const other = Object.keys(shown).filter(
    (path) => path !== 'clientAccountId' && path !== 'amountMinor' && path !== 'month',
  );
  if (other.length)
    return (
      <>
        {other.map((path) => (
          <p key={path} class="amop-field__error" data-error-for={path}>
            {shown[path]}
          </p>
        ))}
      </>
    );
  return error && !Object.keys(shown).length ? <ErrorBox error={error} /> : null;
}

/** Where grants are posted: the partner's own routes, or an admin's on a partner's behalf. */
interface GrantProps {
  onDone(): void;
  base: string;
}

/**
 * A grant to a client: its account id and one more field (`other`: an amount or a month), checked here —
 * `parse` gives the value to send or null, then `invalid` is that field's error — and posted to `url`;
 * `onDone` once the server has granted it.
 */
function useGrant<R>(
  url: string,
  other: 'amountMinor' | 'month',
  parse: (value: string) => string | number | null,
  invalid: string,
  onDone: () => void,
) {
  const { t } = useCtx();
  const { values, field } = useFields({ clientAccountId: '', amountMinor: '', month: '' });
  const post = usePost<R>(url);
  const { shown, passes } = useFieldErrors(post.error, 'obl.invalid');
  const submit = async () => {
    const clientAccountId = values.clientAccountId.trim();
    const errors: Record<string, string> = /^[1-9]\d{0,15}$/.test(clientAccountId)
      ? {}
      : { clientAccountId: t('obl.err.client') };
    const value = parse(values[other]);
    if (value === null) errors[other] = t(invalid);
    if (!passes(errors)) return;
    if (await post.run({ clientAccountId: Number(clientAccountId), [other]: value })) onDone();
  };
  return { post, shown, submit, client: field('clientAccountId', shown), other: field(other, shown) };
}

/** A grant form on one line: the client's account id, the grant's own `children` fields and the button. */
function GrantForm({
  grant,
  name,
  submit,
  children,
}: {
  grant: ReturnType<typeof useGrant>;
  name: string;
  submit: string;
  children: ComponentChildren;
}) {
  const { t } = useCtx();
  return (
    <>
      <Form class="amop-inline-form" name={name} onSubmit={grant.submit}>
        <TextField {...grant.client} label={t('pin.account_id')} inputMode="numeric" />
        {children}
        <SubmitButton label={submit} busy={grant.post.busy} />
      </Form>
      <OtherError shown={grant.shown} error={grant.post.error} />
    </>
  );
}

function BonusCodes({ view, onDone, base }: GrantProps & { view: NonNullable<Allowances['bonusCodes']> }) {
  const { t, lang } = useCtx();
  const issue = useGrant<BonusCode>(
    `${base}/bonus-codes`,
    'amountMinor',
    parseAmountToMinor,
    'inv.err.amount',
    onDone,
  );
  const code = issue.post.result;
  return (
    <Section title={words(view.title, lang)} data-section="bonus-codes">
      <p data-quota="bonus-codes" data-left={view.count.left ?? ''}>
        {t('obl.codes_left')} {quota(t, view.count)}
        {view.amountMinor.limit !== null && (
          <>
            {'; '}
            {t('obl.amount_left')} <Money minor={view.amountMinor.left} /> {t('obl.of')}{' '}
            <Money minor={view.amountMinor.limit} />
          </>
        )}
        {view.perClient !== null && (
          <span class="amop-muted amop-small"> · {t('obl.per_client', { n: view.perClient })}</span>
        )}
      </p>
      <GrantForm grant={issue} name="bonus-code" submit={t('obl.issue_code')}>
        <TextField {...issue.other} label={t('obl.amount_rub')} inputMode="decimal" />
      </GrantForm>
      {code && (
        <Notice tone="ok" role="status" data-issued-code={code.code}>
          {t('obl.code_issued', { client: code.clientAccountId })} <code>{code.code}</code>{' '}
          <CopyButton text={code.code} /> <Money minor={code.amountMinor} />
        </Notice>
      )}
      {view.codes.length ? (
        <DataTable
          name="bonus-codes"
          columns={['obl.code', 'clients.account', { key: 'inv.amount_col', num: true }, 'money.date']}
        >
          {view.codes.map((c) => (
            <tr key={c.id} data-code={c.code}>
              <td>
                <code>{c.code}</code>
              </td>
              <td>{c.clientAccountId}</td>
              <td class="amop-num">
                <Money minor={c.amountMinor} />
              </td>
              <td>{formatDate(c.grantedAt, lang)}</td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <Empty>{t('obl.no_codes')}</Empty>
      )}
    </Section>
  );
}

function FreeMonths({ view, onDone, base }: GrantProps & { view: NonNullable<Allowances['freeMonths']> }) {
  const { t, lang } = useCtx();
  const month = (value: string) => (/^\d{4}-\d{2}$/.test(value.trim()) ? value.trim() : null);
  const grant = useGrant<FreeMonth>(`${base}/free-months`, 'month', month, 'obl.err.month', onDone);
  const granted = grant.post.result;
  const rules = [
    view.perClient !== null && t('obl.per_client', { n: view.perClient }),
    view.count.limit !== null && `${t('obl.months_left_q')} ${quota(t, view.count)}`,
    view.notAfterTrialMonth && t('obl.not_after_trial'),
    view.notConsecutive && t('obl.not_consecutive'),
  ].filter(Boolean);
  return (
    <Section title={words(view.title, lang)} data-section="free-months">
      <p class="amop-muted amop-small">{rules.join('; ')}</p>
      <GrantForm grant={grant} name="free-month" submit={t('obl.grant_month')}>
        <TextField {...grant.other} type="month" label={t('obl.month_f')} placeholder="2026-09" />
      </GrantForm>
      {granted && (
        <Notice tone="ok" role="status" data-granted-month={granted.month}>
          {t('obl.month_granted', { client: granted.clientAccountId, month: granted.month })}
        </Notice>
      )}
      {view.clients.length ? (
        <DataTable
          name="free-months"
          columns={['clients.account', 'obl.months', { key: 'obl.left', num: true }]}
        >
          {view.clients.map((c) => (
            <tr key={c.clientAccountId} data-client={c.clientAccountId}>
              <td>{c.clientAccountId}</td>
              <td>{c.months.join(', ')}</td>
              <td class="amop-num">{c.left ?? '—'}</td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <Empty>{t('obl.no_months')}</Empty>
      )}
    </Section>
  );
}

/**
 * «Бонусные коды и бесплатные месяцы»: what the partner may still grant this quarter, and its grants; the admin's
 * view of a partner's quotas passes that partner's routes as `base`.
 */
export function AllowancesTab({
  load,
  base = '/api/v1',
}: {
  load: Load<Allowances> & { reload(): void };
  base?: string;
}) {
  const { t } = useCtx();
  return (
    <Loaded load={load}>
      {(data) => (
        <>
          <p class="amop-muted amop-small" data-quarter={data.quarter}>
            {t('obl.quarter', { quarter: data.quarter })}
          </p>
          {data.bonusCodes && <BonusCodes view={data.bonusCodes} onDone={load.reload} base={base} />}
          {data.freeMonths && <FreeMonths view={data.freeMonths} onDone={load.reload} base={base} />}
        </>
      )}
    </Loaded>
  );
}

/** The partner page's loads for these tabs: shown only when the program has them. */
export function useOblakoteka() {
  const { api } = useCtx();
  const extras = useLoad(
    (signal) => api.get<{ items: ExtraReward[] }>('/api/v1/settlements', { signal }),
    [api],
  );
  const allowances = useLoad((signal) => api.get<Allowances>('/api/v1/allowances', { signal }), [api]);
  return { extras, allowances };
}
