/**
 * Partner registration (API.md "Registration body"): the requisites each kind needs, checked inline with
 * the same pure validators the server uses (shared/requisites.ts), so both sides refuse the same values
 * with the same words. Whatever the server still refuses comes back as field errors under the fields
 * (`errors[].path`, Russian from `messageRu`).
 */
import { useState } from 'preact/hooks';
import { validateRequisiteAt, type RequisiteResult } from '../../../../shared/requisites';
import type { Partner, PartnerKind } from '../../types';
import { useCtx, usePost } from '../ctx';
import { ErrorBox, fieldErrors, Form, Notice, otherErrors, RadioGroup, SubmitRow, TextField } from '../kit';

const KINDS: PartnerKind[] = ['legal_entity', 'sole_proprietor', 'self_employed', 'individual'];

type Values = Record<string, string>;

const digits = (v: string | undefined) => (v ?? '').replace(/[\s\u00a0-]/g, '');

/** The fields each kind fills in, in form order (paths as the API names them). */
function fieldsFor(kind: PartnerKind): string[] {
  const bank = ['bank.bik', 'bank.account', 'bank.correspondentAccount', 'bank.bankName'];
  switch (kind) {
    case 'legal_entity':
      return ['name', 'inn', 'kpp', 'ogrn', ...bank];
    case 'sole_proprietor':
      return ['name', 'inn', 'ogrn', ...bank];
    case 'self_employed':
      return ['name', 'inn', 'passport.series', 'passport.number', ...bank];
    default:
      return ['name'];
  }
}

const CONTACTS = ['contacts.email', 'contacts.phone', 'contacts.telegram', 'contacts.site'];
/** Optional: the code or link of the partner that invited this one (multi-level programs). */
const REFERRED_BY = 'referredBy';
const DIGIT_FIELDS = new Set([
  'inn',
  'kpp',
  'ogrn',
  'passport.series',
  'passport.number',
  'bank.bik',
  'bank.account',
  'bank.correspondentAccount',
]);

/** Inline checks before sending: requisites by check digit, the name, at least one way to reach the partner. */
function validate(kind: PartnerKind, v: Values, pick: (r: RequisiteResult) => string | undefined) {
  const errors: Record<string, string | undefined> = {};
  for (const path of fieldsFor(kind)) {
    const result = validateRequisiteAt(path, kind === 'legal_entity', (p) => digits(v[p]));
    if (result !== undefined) errors[path] = pick(result);
  }
  return errors;
}

/** The label's key: the name and ОГРН say different things per kind. */
function labelKey(path: string, kind: PartnerKind): string {
  if (path === 'name') return `name_${kind}`;
  if (path === 'ogrn' && kind === 'sole_proprietor') return 'ogrnip';
  return path;
}

export function RegisterForm({ onRegistered }: { onRegistered?(partner: Partner): void }) {
  const { t, lang, refreshWho } = useCtx();
  const [kind, setKind] = useState<PartnerKind>('legal_entity');
  const [values, setValues] = useState<Values>({});
  const [submitted, setSubmitted] = useState(false);
  /** Server errors stay on a field until the user edits it. */
  const [edited, setEdited] = useState<Set<string>>(new Set());

  const register = usePost<Partner>('/api/v1/partner');

  const local = (): Record<string, string | undefined> => {
    const errors = validate(kind, values, (r) => (r ? r.message[lang] : undefined));
    if ((values.name ?? '').trim().length < 2) errors.name = t('reg.err.name');
    if (kind !== 'individual' && (values['bank.bankName'] ?? '').trim().length < 2)
      errors['bank.bankName'] = t('reg.err.bank_name');
    if (!CONTACTS.slice(0, 3).some((p) => (values[p] ?? '').trim()))
      errors['contacts.email'] = t('reg.err.contact');
    return errors;
  };
  const localErrors = submitted ? local() : {};
  const server = fieldErrors(register.error, lang, t, 'reg.invalid');
  const errorOf = (path: string) => localErrors[path] ?? (edited.has(path) ? undefined : server[path]);

  const set = (path: string) => (value: string) => {
    setValues((v) => ({ ...v, [path]: value }));
    setEdited((e) => new Set(e).add(path));
  };

  const submit = async () => {
    setSubmitted(true);
    const errors = local();
    const firstBad = [...fieldsFor(kind), ...CONTACTS].find((p) => errors[p]);
    if (firstBad) {
      (document.querySelector(`.amop-app [data-path="${firstBad}"]`) as HTMLElement | null)?.focus();
      return;
    }
    const body: Record<string, unknown> = { kind };
    for (const path of [...fieldsFor(kind), ...CONTACTS, REFERRED_BY]) {
      const raw = (values[path] ?? '').trim();
      const value = DIGIT_FIELDS.has(path) ? digits(raw) : raw;
      if (!value) continue;
      const [head, tail] = path.split('.') as [string, string | undefined];
      if (tail) body[head] = { ...(body[head] as object | undefined), [tail]: value };
      else body[head] = value;
    }
    body.contacts ??= {};
    setEdited(new Set());
    const partner = await register.run(body);
    if (partner) {
      onRegistered?.(partner);
      refreshWho();
    }
  };

  const field = (path: string, extra: Record<string, unknown> = {}) => (
    <TextField
      key={path}
      path={path}
      label={t(`reg.f.${labelKey(path, kind)}`)}
      value={values[path] ?? ''}
      onValue={set(path)}
      error={errorOf(path)}
      {...extra}
    />
  );
  const digitsInput = { inputMode: 'numeric', autoComplete: 'off' };
  const shown = [...fieldsFor(kind), ...CONTACTS, REFERRED_BY];
  const unplaced = register.error ? otherErrors(server, shown) : [];

  return (
    <Form name="register" onSubmit={submit}>
      <RadioGroup
        legend={t('reg.kind')}
        name="kind"
        value={kind}
        onValue={(k) => setKind(k as PartnerKind)}
        options={KINDS}
        labels="kind."
        note={(k) => t(`reg.kind_note.${k}`)}
      />
      <h4 class="amop-subtitle">{t('reg.requisites')}</h4>
      <div class="amop-grid">
        {fieldsFor(kind).map((path) =>
          field(path, DIGIT_FIELDS.has(path) ? digitsInput : { autoComplete: 'off' }),
        )}
      </div>
      <h4 class="amop-subtitle">{t('reg.contacts')}</h4>
      <div class="amop-grid">
        {field('contacts.email', { type: 'email', autoComplete: 'email' })}
        {field('contacts.phone', { type: 'tel', autoComplete: 'tel' })}
        {field('contacts.telegram', { placeholder: '@username' })}
        {field('contacts.site', { type: 'url', placeholder: 'https://' })}
      </div>
      <div class="amop-grid">{field(REFERRED_BY, { autoComplete: 'off' })}</div>
      <p class="amop-muted amop-small">{t('reg.referred_note')}</p>
      {kind === 'self_employed' && <p class="amop-muted amop-small">{t('reg.passport_note')}</p>}
      {register.error && <ErrorBox error={register.error} />}
      {unplaced.length > 0 && (
        <ul class="amop-errlist">
          {unplaced.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {register.result && <Notice tone="ok">{t('reg.done')}</Notice>}
      <SubmitRow label={t('reg.submit')} busy={register.busy} />
    </Form>
  );
}
