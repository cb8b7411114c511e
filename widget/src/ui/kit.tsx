/**
 * Small building blocks shared by every screen: loading / empty / error states, form fields with their
 * labels and inline errors, buttons, tabs, badges, money. All native elements, so everything is
 * reachable by keyboard; every class is `amop-` prefixed (amoCRM's CSS is global).
 */
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api';
import { formatMoney } from '../format';
import type { Contacts } from '../types';
import type { Lang, Translate } from '../i18n';
import { tOr, useCtx, type Load } from './ctx';

/** The words for an API error: token expired, network down, 403, validation… (never a raw stack). */
export function errorText(t: Translate, e: ApiError): string {
  if (e.status === 0) return t(e.code === 'timeout' ? 'err.timeout' : 'err.network');
  const known = tOr(t, `err.code.${e.code}`, '');
  if (known) return known;
  if (e.status === 401) return t('err.auth');
  if (e.status === 403) return t('err.forbidden');
  if (e.status === 404) return t('err.not_found');
  if (e.status === 400 || e.status === 422) return t('err.validation');
  if (e.status >= 500) return t('err.server');
  return t('err.status', { status: e.status });
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useCtx();
  return (
    <div
      class="amop-alert amop-alert--error"
      role="alert"
      data-code={error.code}
      data-http-status={error.status}
    >
      <span class="amop-alert__text">{errorText(t, error)}</span>
      {onRetry && (
        <button type="button" class="amop-btn amop-btn--small" onClick={onRetry}>
          {t('ui.retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({
  tone = 'info',
  children,
  ...rest
}: { tone?: 'info' | 'warn' | 'ok' | 'error'; children: ComponentChildren } & Record<string, unknown>) {
  return (
    <div class={`amop-alert amop-alert--${tone}`} {...rest}>
      {children}
    </div>
  );
}

export function Loading() {
  const { t } = useCtx();
  return (
    <div class="amop-loading" role="status" aria-live="polite">
      <span class="amop-spinner" aria-hidden="true" />
      {t('ui.loading')}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="amop-empty">{children}</p>;
}

/** A `useLoad` result: loading, its error with a retry, or `children(data)` once the data is here. */
export function Loaded<T>({
  load,
  children,
}: {
  load: Load<T> & { reload(): void };
  children(data: T): ComponentChildren;
}) {
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'error') return <ErrorBox error={load.error} onRetry={load.reload} />;
  return <>{children(load.data)}</>;
}

/**
 * Field errors of a 400 answer, by path. Russian comes from the server's `messageRu`; when the server has
 * only English, our own words for that path (`<prefix>.<path>`), else a generic "check the value".
 */
export function fieldErrors(
  error: ApiError | null,
  lang: Lang,
  t: Translate,
  prefix?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of error?.errors ?? []) {
    const generic = prefix
      ? tOr(t, `${prefix}.${item.path}`, t('err.field_invalid'))
      : t('err.field_invalid');
    const text = lang === 'ru' ? (item.messageRu ?? generic) : item.message || generic;
    out[item.path] ??= text;
  }
  return out;
}

/**
 * The errors a form shows under its fields: its own checks, made on submit before sending, over the
 * server's field errors of the last answer (see fieldErrors); `own` are the form's alone. `passes(errors)`
 * keeps the form's own errors on show and says whether there were none, so the form may be sent.
 */
export function useFieldErrors(error: ApiError | null, prefix: string) {
  const { t, lang } = useCtx();
  const [local, setLocal] = useState<Record<string, string>>({});
  const shown: Record<string, string> = { ...fieldErrors(error, lang, t, prefix), ...local };
  const passes = (errors: Record<string, string>) => {
    setLocal(errors);
    return Object.keys(errors).length === 0;
  };
  return { shown, own: local, passes };
}

/** The error items no field on the form shows (so they are listed above the button instead). */
export function otherErrors(errors: Record<string, string>, shown: string[]): string[] {
  return Object.keys(errors)
    .filter((path) => !shown.includes(path))
    .map((path) => `${path}: ${errors[path]}`);
}

/**
 * A form the browser does not validate (the fields show our own errors); submitting never reloads the
 * page. `name` becomes `data-form`, which tests and styles select on.
 */
export function Form({
  name,
  class: className = 'amop-form',
  onSubmit,
  children,
  ...rest
}: {
  name?: string;
  class?: string;
  onSubmit(): unknown;
  children: ComponentChildren;
} & Record<string, unknown>) {
  return (
    <form
      class={className}
      data-form={name}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
      {...rest}
    >
      {children}
    </form>
  );
}

/** The primary button that sends its form (an inline form's last element; SubmitRow's first). */
export function SubmitButton({ label, busy, small }: { label: string; busy: boolean; small?: boolean }) {
  return (
    <Button small={small} kind="primary" type="submit" busy={busy}>
      {label}
    </Button>
  );
}

/** The primary submit button of a form, in its actions row; `onCancel` adds a "cancel" link after it. */
export function SubmitRow({
  label,
  busy,
  small,
  onCancel,
}: {
  label: string;
  busy: boolean;
  small?: boolean;
  onCancel?(): void;
}) {
  const { t } = useCtx();
  return (
    <div class="amop-actions">
      <SubmitButton small={small} label={label} busy={busy} />
      {onCancel && (
        <Button small={small} kind="link" onClick={onCancel}>
          {t('ui.cancel')}
        </Button>
      )}
    </div>
  );
}

/**
 * A form's text values by API path. `field(path, errors)` binds a <TextField> to one of them: its path,
 * value and setter, and `errors[path]` shown under it — `<TextField {...field('note')} label={…} />`.
 */
export function useFields<P extends string>(initial: Record<P, string>) {
  const [values, setValues] = useState(initial);
  const set = (path: P, value: string) => setValues((old) => ({ ...old, [path]: value }));
  const field = (path: P, errors?: Record<string, string | undefined>) => ({
    path,
    value: values[path],
    onValue: (value: string) => set(path, value),
    error: errors?.[path],
  });
  return { values, set, field };
}

/** The native input attributes the forms use (passed through as is). */
interface InputProps {
  type?: 'text' | 'email' | 'tel' | 'url' | 'date' | 'month';
  inputMode?: 'numeric' | 'decimal' | 'text' | 'tel' | 'email';
  autoComplete?: string;
  placeholder?: string;
  maxLength?: number;
  list?: string;
  spellcheck?: boolean;
  autoFocus?: boolean;
}

export interface TextFieldProps extends InputProps {
  label: string;
  value: string;
  onValue(value: string): void;
  error?: string | null;
  hint?: ComponentChildren;
  multiline?: boolean;
  /** Marks the field for tests and for the error map (`inn`, `bank.account`…). */
  path?: string;
}

export function TextField({ label, value, onValue, error, hint, multiline, path, ...rest }: TextFieldProps) {
  const id = `amop-${useId()}`;
  const describedBy =
    [error ? `${id}-err` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    value,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    'data-path': path,
  };
  return (
    <div class={`amop-field${error ? ' amop-field--error' : ''}`} data-field={path}>
      <label class="amop-field__label" for={id}>
        {label}
      </label>
      {multiline ? (
        <textarea
          class="amop-input amop-textarea"
          rows={3}
          {...common}
          {...(rest as Record<string, unknown>)}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      ) : (
        <input
          class="amop-input"
          type="text"
          {...common}
          {...(rest as Record<string, unknown>)}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
      {hint && (
        <div class="amop-field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div class="amop-field__error" id={`${id}-err`} data-error-for={path}>
          {error}
        </div>
      )}
    </div>
  );
}

export function SelectField({
  label,
  value,
  onValue,
  options,
  path,
}: {
  label: string;
  value: string;
  onValue(value: string): void;
  options: Array<[value: string, label: string]>;
  path?: string;
}) {
  const id = `amop-${useId()}`;
  return (
    <div class="amop-field" data-field={path}>
      <label class="amop-field__label" for={id}>
        {label}
      </label>
      <select
        id={id}
        class="amop-input amop-select"
        value={value}
        data-path={path}
        onChange={(e) => onValue(e.currentTarget.value)}
      >
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A group of radio buttons in a fieldset: arrow keys move between them natively. Each of the `options` is
 * labelled by the i18n key `labels` + its value, with `note(value)` under it when given.
 */
export function RadioGroup({
  legend,
  name,
  value,
  onValue,
  options,
  labels,
  note,
}: {
  legend: string;
  name: string;
  value: string;
  onValue(value: string): void;
  options: string[];
  labels: string;
  note?(value: string): ComponentChildren;
}) {
  const { t } = useCtx();
  const id = useId();
  return (
    <fieldset class="amop-radios" data-field={name}>
      <legend class="amop-field__label">{legend}</legend>
      <div class="amop-radios__options">
        {options.map((option) => {
          const noted = note?.(option);
          return (
            <label key={option} class={`amop-radio${value === option ? ' amop-radio--on' : ''}`}>
              <input
                type="radio"
                name={`amop-${name}-${id}`}
                value={option}
                checked={value === option}
                onChange={() => onValue(option)}
              />
              <span>
                <span class="amop-radio__label">{t(labels + option)}</span>
                {noted && <span class="amop-radio__note">{noted}</span>}
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function Button({
  kind = 'default',
  busy,
  children,
  small,
  ...rest
}: {
  kind?: 'primary' | 'default' | 'link' | 'danger';
  busy?: boolean;
  small?: boolean;
  children: ComponentChildren;
} & Omit<ButtonHTMLAttributes, 'kind'>) {
  return (
    <button
      type="button"
      class={`amop-btn amop-btn--${kind}${small ? ' amop-btn--small' : ''}`}
      disabled={busy || (rest.disabled as boolean | undefined)}
      aria-busy={busy ? 'true' : undefined}
      {...rest}
    >
      {children}
    </button>
  );
}

export function Badge({
  tone,
  children,
  ...rest
}: { tone: string; children: ComponentChildren } & Record<string, unknown>) {
  return (
    <span class={`amop-badge amop-badge--${tone}`} {...rest}>
      {children}
    </span>
  );
}

export function Money({ minor, currency }: { minor: number | null | undefined; currency?: string | null }) {
  return (
    <span class="amop-money" data-minor={minor ?? ''}>
      {formatMoney(minor, currency ?? 'RUB')}
    </span>
  );
}

export interface TabDef {
  id: string;
  label: string;
  count?: number;
}

/**
 * WAI-ARIA tabs over the selected tab's panel (`children`): Tab reaches the selected tab, arrows move
 * between tabs, the panel is labelled by its tab. The first tab is selected first; a page that also
 * switches tabs itself passes `current` and follows `onChange`.
 */
export function Tabs({
  tabs,
  label,
  children,
  ...controlled
}: {
  tabs: TabDef[];
  label: string;
  current?: string;
  onChange?(id: string): void;
  children(current: string): ComponentChildren;
}) {
  const [own, setOwn] = useState(tabs[0]!.id);
  const current = controlled.current ?? own;
  const onChange = (id: string) => {
    setOwn(id);
    controlled.onChange?.(id);
  };
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const index = tabs.findIndex((tab) => tab.id === current);
    let next = -1;
    if (e.key === 'ArrowRight') next = (index + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onChange(tabs[next]!.id);
    list.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[next]?.focus();
  };
  return (
    <>
      <div class="amop-tabs" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`amop-tab-${tab.id}`}
            class="amop-tab"
            aria-selected={tab.id === current ? 'true' : 'false'}
            aria-controls={`amop-panel-${tab.id}`}
            tabIndex={tab.id === current ? 0 : -1}
            data-tab={tab.id}
            onClick={() => onChange(tab.id)}
          >
            {tab.label}
            {tab.count ? <span class="amop-tab__count">{tab.count}</span> : null}
          </button>
        ))}
      </div>
      <div
        class="amop-tabpanel"
        role="tabpanel"
        id={`amop-panel-${current}`}
        aria-labelledby={`amop-tab-${current}`}
      >
        {children(current)}
      </div>
    </>
  );
}

export function Section({
  title,
  children,
  actions,
  ...rest
}: { title?: string; children: ComponentChildren; actions?: ComponentChildren } & Record<string, unknown>) {
  return (
    <section class="amop-section" {...rest}>
      {(title || actions) && (
        <div class="amop-section__head">
          {title && <h3 class="amop-section__title">{title}</h3>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** amoCRM contact links: e-mail, phone, Telegram, site. */
export function ContactLinks({ contacts }: { contacts: Contacts }) {
  const items: Array<[string, string, string]> = [];
  if (contacts.email) items.push(['email', `mailto:${contacts.email}`, contacts.email]);
  if (contacts.phone) items.push(['phone', `tel:${contacts.phone.replace(/[^+0-9]/g, '')}`, contacts.phone]);
  if (contacts.telegram)
    items.push(['telegram', `https://t.me/${contacts.telegram.replace(/^@/, '')}`, contacts.telegram]);
  // Only web links become links: a partner's "site" must never turn into a javascript: URL.
  if (contacts.site && /^https?:\/\//i.test(contacts.site))
    items.push(['site', contacts.site, contacts.site.replace(/^https?:\/\//i, '')]);
  if (!items.length) return null;
  return (
    <ul class="amop-contacts">
      {items.map(([kind, href, text]) => (
        <li key={kind} data-contact={kind}>
          <a
            class="amop-link"
            href={href}
            target={kind === 'email' || kind === 'phone' ? undefined : '_blank'}
            rel="noopener noreferrer"
          >
            {text}
          </a>
        </li>
      ))}
    </ul>
  );
}

interface ListLike<T = unknown> {
  state: 'loading' | 'ok' | 'error';
  error?: ApiError;
  items: T[];
  next: string | null;
  reload(): void;
  loadMore(): Promise<void>;
  moreError: ApiError | null;
}

/** Loading, error (with retry), empty, or the list with "show more" when the server has more. */
export function ListState({
  list,
  empty,
  children,
}: {
  list: ListLike;
  empty: ComponentChildren;
  children: ComponentChildren;
}) {
  const { t } = useCtx();
  if (list.state === 'loading') return <Loading />;
  if (list.state === 'error' && list.error) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.items.length) return <Empty>{empty}</Empty>;
  return (
    <>
      {children}
      {list.next && (
        <div class="amop-more">
          <Button small onClick={() => void list.loadMore()}>
            {t('ui.more')}
          </Button>
        </div>
      )}
      {list.moreError && <ErrorBox error={list.moreError} />}
    </>
  );
}

/** A column heading's i18n key, or `{ key, num: true }` for a right-aligned number column. */
export type Column = string | { key: string; num: true };

/**
 * A table with one heading row. `columns` name the cells of the rows given as children (`null` for a
 * column this table leaves out); `actions` adds a last column for buttons, its heading for screen
 * readers only.
 */
interface DataTableProps {
  /** Becomes `data-table`, which tests select on. */
  name: string;
  columns: Array<Column | null>;
  actions?: boolean;
  children: ComponentChildren;
}

export function DataTable({ name, columns, actions, children }: DataTableProps) {
  const { t } = useCtx();
  return (
    <table class="amop-table" data-table={name}>
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === 'string' ? (
              <th scope="col">{t(column)}</th>
            ) : (
              column && (
                <th scope="col" class="amop-num">
                  {t(column.key)}
                </th>
              )
            ),
          )}
          {actions && (
            <th scope="col">
              <span class="amop-sr">{t('ui.actions')}</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/**
 * A paged list shown as a table, one `row(item)` per item: the list's loading, error, empty and "show more"
 * states (ListState) around the DataTable, as every paged table of the widget shows them.
 */
export function ListTable<T>({
  list,
  empty,
  row,
  ...table
}: {
  list: ListLike<T>;
  empty: ComponentChildren;
  row(item: T): ComponentChildren;
} & Omit<DataTableProps, 'children'>) {
  return (
    <ListState list={list} empty={empty}>
      <DataTable {...table}>{list.items.map((item) => row(item))}</DataTable>
    </ListState>
  );
}

/** The heading of the staff and admin pages: the title, then who is signed in and in which role. */
export function PageHead({ title, userName }: { title: string; userName: string | null }) {
  const { t, who } = useCtx();
  return (
    <header class="amop-head">
      <div>
        <h2 class="amop-title">{title}</h2>
        <p class="amop-muted">
          {userName ? `${userName} · ` : ''}
          {t(`role.${who.role}`)}
        </p>
      </div>
    </header>
  );
}

/** A client account in a table cell: the account id, with its subdomain under it when known. */
export function ClientAccountCell({
  accountId,
  subdomain,
}: {
  accountId: number;
  subdomain?: string | null;
}) {
  return (
    <td>
      <strong>{accountId}</strong>
      {subdomain && <div class="amop-muted amop-small">{subdomain}</div>}
    </td>
  );
}
