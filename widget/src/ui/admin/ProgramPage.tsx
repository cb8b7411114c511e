/**
 * Admin: the partner program (issue 13). The document in force as a form — rates, levels, payout policy —
 * saved as a new version from a date, or replaced by a preset; a preview of what a payment would earn;
 * and the fraud queue (payments refused as a partner's own purchase). The form's fields are named by
 * their document paths (programForm.ts), so the server's 400 lands on the field that caused it.
 */
import { useState } from 'preact/hooks';
import { formatDate, parseAmountToMinor, todayIso } from '../../format';
import { words } from '../../i18n';
import type { AdminProgram, PresetName, ProgramDoc, ProgramPreview, SelfPurchase } from '../../types';
import { useAction, useCtx, useLoad, usePaged, usePost, type Action } from '../ctx';
import {
  Button,
  ClientAccountCell,
  DataTable,
  ErrorBox,
  fieldErrors,
  Form,
  ListTable,
  Loaded,
  Money,
  Notice,
  otherErrors,
  Section,
  SelectField,
  SubmitButton,
  SubmitRow,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';
import {
  buildDocument,
  formatMultiplier,
  kindOf,
  leaf,
  parseMultiplier,
  pathsOf,
  productsOf,
  textOf,
} from './programForm';

const PATH = '/api/v1/admin/program';
const PRESETS: PresetName[] = ['leadsender', 'cloudlessons'];
const CHANNELS = ['vendor_direct', 'partner_net'];
type Version = AdminProgram['inForce'];
type Put = Action<[body: object], Version>;

/** A version from a date: from now when it is today (the server refuses a start in the past), else 00:00 MSK. */
const startOf = (date: string) => (date === todayIso() ? new Date().toISOString() : `${date}T00:00:00+03:00`);

function ProgramForm({
  doc,
  put,
  date,
  setDate,
}: {
  doc: ProgramDoc;
  put: Put;
  date: string;
  setDate(date: string): void;
}) {
  const { t, lang } = useCtx();
  const paths = pathsOf(doc);
  const { values, set } = useFields(Object.fromEntries(paths.map((p) => [p, textOf(doc, p)])));
  const [products, setProducts] = useState(() => productsOf(doc));
  const [forfeit, setForfeit] = useState(String(doc.policies.payout.forfeitOnBlock));
  const { shown, passes } = useFieldErrors(put.error, 'prog.invalid');
  const mins = paths.filter((p) => leaf(p) === 'min').map((p) => values[p]!.trim());
  // The server names the list for two bands from the same minimum: show it on those bands' minimums.
  const errorOf = (path: string) =>
    shown[path] ??
    (leaf(path) === 'min' && mins.filter((m) => m === values[path]!.trim()).length > 1
      ? shown['levels.bands']
      : undefined);

  const submit = async () => {
    const { doc: next, errors } = buildDocument(doc, values, products);
    if (!(date >= todayIso())) errors.effectiveFrom = 'prog.err.date';
    if (!passes(Object.fromEntries(Object.entries(errors).map(([path, key]) => [path, t(key)])))) return;
    next.policies.payout.forfeitOnBlock = forfeit === 'true';
    await put.run({ ...next, effectiveFrom: startOf(date) });
  };

  const input = (path: string) => {
    const kind = kindOf(path);
    const multiplier = kind === 'mult' && parseMultiplier(values[path]!);
    return (
      <TextField
        key={path}
        path={path}
        value={values[path] ?? ''}
        onValue={(v) => set(path, v)}
        error={errorOf(path)}
        label={
          t((path.includes('Channel') ? 'money.channel_' : 'prog.f.') + leaf(path)) +
          (kind === 'bps' ? ', %' : '')
        }
        hint={multiplier ? `×${formatMultiplier(multiplier)}` : undefined}
      />
    );
  };
  const group = (prefix: string) => (
    <div class="amop-grid">{paths.filter((p) => p.startsWith(prefix)).map(input)}</div>
  );
  const setRows = (i: number, rows: Array<[string, string]>) => setProducts((old) => ({ ...old, [i]: rows }));
  const shownPaths = [...paths, 'effectiveFrom', 'levels.bands'];

  return (
    <Form name="program" onSubmit={submit}>
      {doc.rewards.map((rule, i) => {
        const base = `rewards.${i}.amount.productsBps`;
        const rows = products[i];
        return (
          <Section key={rule.id} title={words(rule.title, lang)} data-rule={rule.id}>
            {group(`rewards.${i}.`)}
            {rows?.map(([code, rate], k) => {
              // A product row's fields: its code (refused empty or twice locally) and its rate (the server's path).
              shownPaths.push(`${base}.#${k}`, `${base}.${code.trim()}`);
              const setRow = (row: [string, string]) =>
                setRows(
                  i,
                  rows.map((old, x) => (x === k ? row : old)),
                );
              return (
                <div class="amop-inline-form" key={k} data-product-row={k}>
                  <TextField
                    path={`${base}.#${k}`}
                    label={t('inv.product')}
                    value={code}
                    onValue={(v) => setRow([v, rate])}
                    error={shown[`${base}.#${k}`]}
                  />
                  <TextField
                    path={`${base}.${code.trim()}`}
                    label={t('prog.f.rateBps') + ', %'}
                    value={rate}
                    onValue={(v) => setRow([code, v])}
                    error={shown[`${base}.${code.trim()}`]}
                  />
                  <Button
                    small
                    kind="link"
                    onClick={() =>
                      setRows(
                        i,
                        rows.filter((_, x) => x !== k),
                      )
                    }
                  >
                    {t('prog.remove')}
                  </Button>
                </div>
              );
            })}
            {rows && (
              <Button small onClick={() => setRows(i, [...rows, ['', '']])}>
                {t('prog.add_product')}
              </Button>
            )}
          </Section>
        );
      })}
      {doc.levels && (
        <Section title={t('prog.levels')}>
          {doc.levels.bands.map((band, j) => (
            <div key={band.code} data-band={j}>
              {group(`levels.bands.${j}.`)}
            </div>
          ))}
        </Section>
      )}
      <Section title={t('admin.tab.payouts')}>
        {group('policies.')}
        <SelectField
          path="policies.payout.forfeitOnBlock"
          label={t('prog.forfeit')}
          value={forfeit}
          onValue={setForfeit}
          options={['false', 'true'].map((v) => [v, t(`prog.forfeit_${v}`)])}
        />
      </Section>
      <div class="amop-grid">
        <TextField
          path="effectiveFrom"
          type="date"
          label={t('prog.from')}
          value={date}
          onValue={setDate}
          error={shown.effectiveFrom}
        />
      </div>
      {put.error && <ErrorBox error={put.error} />}
      {otherErrors(shown, shownPaths).map((text) => (
        <p key={text} class="amop-field__error">
          {text}
        </p>
      ))}
      <SubmitRow label={t('prog.save')} busy={put.busy} />
    </Form>
  );
}

/** What a payment would earn now: the reward lines with their calculation, or why there is none. */
function Preview({ doc }: { doc: ProgramDoc }) {
  const { t, lang } = useCtx();
  const { values, field } = useFields({
    clientAccountId: '',
    grossMinor: '',
    productCode: '',
    partnerId: '',
  });
  const [channel, setChannel] = useState('vendor_direct');
  const preview = usePost<ProgramPreview>(`${PATH}/preview`);
  const shown = fieldErrors(preview.error, lang, t);
  const result = preview.result;
  // The server checks the fields and names the wrong one; what is not a number is sent as null for it to refuse.
  const submit = () =>
    preview.run({
      clientAccountId: Number(values.clientAccountId.trim()) || null,
      grossMinor: parseAmountToMinor(values.grossMinor),
      channel,
      productCode: values.productCode.trim() || undefined,
      partnerId: values.partnerId.trim() || undefined,
    });
  return (
    <Section title={t('prog.preview')} data-section="program-preview">
      <Form class="amop-inline-form" name="program-preview" onSubmit={submit}>
        <TextField {...field('clientAccountId', shown)} label={t('pin.account_id')} />
        <TextField {...field('grossMinor', shown)} label={t('prog.gross')} />
        <SelectField
          path="channel"
          label={t('money.channel')}
          value={channel}
          onValue={setChannel}
          options={CHANNELS.map((c) => [c, t(`money.channel_${c}`)])}
        />
        <TextField {...field('productCode', shown)} label={t('inv.product')} />
        <TextField {...field('partnerId', shown)} label={t('prog.partner_id')} />
        <SubmitButton label={t('prog.run')} busy={preview.busy} />
      </Form>
      {preview.error && <ErrorBox error={preview.error} />}
      {result?.noReward && (
        <Notice tone="warn" data-no-reward={result.noReward.reason}>
          {result.noReward.explanation}
        </Notice>
      )}
      {result && !result.noReward && (
        <DataTable
          name="preview"
          columns={[
            'prog.rule',
            'prog.beneficiary',
            'prog.form',
            { key: 'inv.amount_col', num: true },
            'prog.calculation',
          ]}
        >
          {result.lines.map((line) => {
            const rule = doc.rewards.find((r) => r.id === line.ruleId);
            return (
              <tr key={line.ruleId + line.partnerId} data-rule={line.ruleId}>
                <td>{rule ? words(rule.title, lang) : line.ruleId}</td>
                <td>{t(`prog.ben.${line.beneficiary}`)}</td>
                <td>{t(`prog.forms.${line.form}`)}</td>
                <td class="amop-num" data-amount>
                  <Money minor={line.amountMinor} />
                </td>
                <td data-calculation>{line.calculation}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </Section>
  );
}

export function ProgramTab() {
  const { t, lang, api } = useCtx();
  const program = useLoad((signal) => api.get<AdminProgram>(PATH, { signal }), [api]);
  const [date, setDate] = useState(todayIso());
  const [preset, setPreset] = useState<string>(PRESETS[0]!);
  const put: Put = useAction(async (key: string, body: object) => {
    const saved = await api.request<Version>('PUT', PATH, { body, idempotencyKey: key });
    program.reload();
    return saved;
  });
  const applyPreset = () =>
    confirm(t('prog.preset_confirm', { name: preset })) && put.run({ preset, effectiveFrom: startOf(date) });
  return (
    <Loaded load={program}>
      {({ inForce, versions }) => (
        <>
          <Section
            title={words(inForce.document.title, lang)}
            data-section="program"
            data-version={inForce.version}
          >
            <Form class="amop-inline-form" name="program-preset" onSubmit={applyPreset}>
              <SelectField
                path="preset"
                label={t('prog.preset')}
                value={preset}
                onValue={setPreset}
                options={PRESETS.map((p) => [p, p])}
              />
              <Button type="submit">{t('prog.apply')}</Button>
            </Form>
            <ProgramForm
              key={inForce.version}
              doc={inForce.document}
              put={put}
              date={date}
              setDate={setDate}
            />
          </Section>
          <Preview doc={inForce.document} />
          <Section title={t('prog.versions')} data-section="program-versions">
            <DataTable name="program-versions" columns={['prog.version', 'prog.from', 'prog.tab']}>
              {versions.map((v) => (
                <tr key={v.version} data-version={v.version}>
                  <td>{v.version}</td>
                  <td>{formatDate(v.effectiveFrom, lang, 'time')}</td>
                  <td>{v.document.name}</td>
                </tr>
              ))}
            </DataTable>
          </Section>
        </>
      )}
    </Loaded>
  );
}

/** Payments the program refused as the partner's own purchase, newest first. */
export function FraudTab({ names }: { names: Map<string, string> }) {
  const { t, lang } = useCtx();
  const list = usePaged<SelfPurchase>('/api/v1/admin/fraud-queue', { limit: 100 });
  return (
    <Section title={t('prog.tab_fraud')} data-section="fraud-queue">
      <ListTable
        list={list}
        empty={t('prog.fraud_empty')}
        name="fraud"
        columns={[
          'money.date',
          'admin.partner',
          'clients.account',
          { key: 'inv.amount_col', num: true },
          'prog.reason',
        ]}
        row={(p) => (
          <tr key={p.paymentId} data-payment-id={p.paymentId}>
            <td>{formatDate(p.paidAt, lang, 'time')}</td>
            <td>{names.get(p.partnerId) ?? p.partnerId}</td>
            <ClientAccountCell accountId={p.clientAccountId} />
            <td class="amop-num">
              <Money minor={p.grossMinor} currency={p.currency} />
            </td>
            <td>{t('prog.self_purchase')}</td>
          </tr>
        )}
      />
    </Section>
  );
}
