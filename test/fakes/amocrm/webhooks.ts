/**
 * Sending CRM webhooks to our backend the way amoCRM does.
 *
 * amoCRM posts `application/x-www-form-urlencoded` bodies built by PHP's `http_build_query` from a nested
 * array: keys use brackets (`contacts[update][0][id]`, `account[subdomain]`), every value is a string,
 * and companies arrive in the `contacts` group with `[type]=company` (there is no `companies[...]` group).
 * The layout below follows captured deliveries: the entity fields in the order amoCRM writes them, custom
 * fields in the old v2 layout (`[custom_fields][0][id|name|values][0][value]`, not API v4's
 * `custom_fields_values`), and the `account` block last.
 *
 * Webhooks are unsigned; amoCRM waits about 2 seconds for a 2xx and does not retry on its own schedule
 * we can rely on. `sendWebhook` reports whether the backend answered inside that budget.
 */
import type { AmoDomain, ApiCompany } from './fake-amocrm';

/** amoCRM counts a delivery as failed when no 2xx arrives within this time. */
export const WEBHOOK_ANSWER_BUDGET_MS = 2000;

/** The User-Agent seen on captured amoCRM webhook deliveries. */
export const WEBHOOK_USER_AGENT = 'amoCRM-WebHook-client/1.0';

export type FormValue =
  string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

/**
 * Flattens a nested object into bracket-keyed pairs, as PHP's `http_build_query` does: arrays by index,
 * objects by key, `true`/`false` as "1"/"0", and `null`/`undefined` left out.
 */
export function flattenWebhookForm(payload: object): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const visit = (key: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(`${key}[${index}]`, item));
    } else if (typeof value === 'object') {
      for (const [child, item] of Object.entries(value)) visit(`${key}[${child}]`, item);
    } else if (typeof value === 'boolean') {
      pairs.push([key, value ? '1' : '0']);
    } else {
      pairs.push([key, String(value)]);
    }
  };
  for (const [key, value] of Object.entries(payload)) visit(key, value);
  return pairs;
}

/**
 * PHP's `urlencode`: letters, digits and `-_.` stay, a space becomes `+`, everything else is `%XX` with
 * upper-case hex (so `[` is `%5B`). `encodeURIComponent` leaves `!'()*~` alone, which PHP does not.
 */
export function phpUrlencode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The exact request body amoCRM would send for this payload. */
export function encodeWebhookForm(payload: object): string {
  return flattenWebhookForm(payload)
    .map(([key, value]) => `${phpUrlencode(key)}=${phpUrlencode(value)}`)
    .join('&');
}

export interface WebhookDelivery {
  /** The backend's HTTP status; null when it did not answer within `timeoutMs` or the connection failed. */
  status: number | null;
  /** The backend's response body (amoCRM ignores it; tests may not). */
  responseBody: string;
  elapsedMs: number;
  /** Whether a 2xx came back within amoCRM's 2-second budget. */
  answeredInTime: boolean;
  /** The form body that was sent. */
  requestBody: string;
  error?: string;
}

export interface SendWebhookOptions {
  /** When to give up waiting; longer than amoCRM's budget by default so slow test machines do not flake. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/**
 * POSTs one webhook to `url`. `payload` is a nested object (for example from `companyEventPayload`) or an
 * already encoded body such as `EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY`.
 */
export async function sendWebhook(
  url: string,
  payload: object | string,
  options: SendWebhookOptions = {},
): Promise<WebhookDelivery> {
  const requestBody = typeof payload === 'string' ? payload : encodeWebhookForm(payload);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': WEBHOOK_USER_AGENT,
        accept: '*/*',
        ...options.headers,
      },
      body: requestBody,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const responseBody = await response.text();
    const elapsedMs = performance.now() - started;
    return {
      status: response.status,
      responseBody,
      elapsedMs,
      answeredInTime: response.ok && elapsedMs <= WEBHOOK_ANSWER_BUDGET_MS,
      requestBody,
    };
  } catch (error) {
    return {
      status: null,
      responseBody: '',
      elapsedMs: performance.now() - started,
      answeredInTime: false,
      requestBody,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Company event builders
// ---------------------------------------------------------------------------------------------------------

export interface WebhookAccount {
  id: number;
  subdomain: string;
  domain?: AmoDomain;
}

/**
 * A custom field as webhooks carry it. A value is `{ value, enum? }`, or a bare string/number for the
 * field types amoCRM sends without the `[value]` level (dates arrive as `[values][0]=1471813200`).
 */
export interface WebhookCustomField {
  id: number;
  name: string;
  code?: string;
  values: Array<string | number | { value: string | number; enum?: string | number }>;
}

export interface WebhookCompany {
  id: number;
  name: string;
  responsible_user_id: number;
  /** Present on "responsible changed" style updates. */
  old_responsible_user_id?: number;
  group_id?: number;
  /** Unix seconds. */
  date_create: number;
  /** Unix seconds. */
  last_modified: number;
  created_user_id?: number;
  modified_user_id?: number;
  custom_fields?: WebhookCustomField[];
}

export type CompanyWebhookAction = 'add' | 'update' | 'restore' | 'delete';

/** The nested form amoCRM builds its body from; every leaf is a string. */
export interface WebhookPayload {
  [group: string]: { [key: string]: FormValue };
}

/**
 * The payload of a company event, ready for `sendWebhook` (or `encodeWebhookForm`).
 * - `add`, `update`, `restore`: full entity fields under `contacts[<action>][i]`, with `type=company`;
 * - `delete`: only `id` and `type` under `contacts[delete][i]` (the entity is gone).
 * Several companies in one delivery are indexed 0, 1, … as amoCRM batches them.
 */
export function companyEventPayload(
  action: CompanyWebhookAction,
  account: WebhookAccount,
  companies: WebhookCompany | WebhookCompany[] | { id: number } | Array<{ id: number }>,
): WebhookPayload {
  const list = (Array.isArray(companies) ? companies : [companies]) as Array<WebhookCompany | { id: number }>;
  const items = list.map((company) => {
    if (action === 'delete') return { id: String(company.id), type: 'company' };
    if (!('name' in company))
      throw new Error(`a company "${action}" event needs the full company, got only an id`);
    return companyFields(company, account);
  });
  return {
    contacts: { [action]: items },
    account: accountBlock(account),
  };
}

function companyFields(company: WebhookCompany, account: WebhookAccount): Record<string, FormValue> {
  const fields: Record<string, FormValue> = {
    id: String(company.id),
    name: company.name,
    responsible_user_id: String(company.responsible_user_id),
  };
  if (company.old_responsible_user_id !== undefined)
    fields.old_responsible_user_id = String(company.old_responsible_user_id);
  if (company.group_id !== undefined) fields.group_id = String(company.group_id);
  fields.date_create = String(company.date_create);
  fields.last_modified = String(company.last_modified);
  fields.created_user_id = String(company.created_user_id ?? company.responsible_user_id);
  fields.modified_user_id = String(company.modified_user_id ?? company.responsible_user_id);
  fields.account_id = String(account.id);
  if (company.custom_fields && company.custom_fields.length > 0) {
    fields.custom_fields = company.custom_fields.map((field) => {
      const entry: Record<string, FormValue> = {
        id: String(field.id),
        name: field.name,
        values: field.values.map((value) => {
          if (typeof value !== 'object') return String(value);
          return value.enum === undefined
            ? { value: String(value.value) }
            : { value: String(value.value), enum: String(value.enum) };
        }),
      };
      if (field.code !== undefined) entry.code = field.code;
      return entry;
    });
  }
  fields.created_at = String(company.date_create);
  fields.updated_at = String(company.last_modified);
  fields.type = 'company';
  return fields;
}

function accountBlock(account: WebhookAccount): Record<string, FormValue> {
  return {
    subdomain: account.subdomain,
    id: String(account.id),
    _links: { self: `https://${account.subdomain}.${account.domain ?? 'amocrm.ru'}` },
  };
}

/**
 * Converts a company as the API returns it (for example from `fake.companies(accountId)`) into its webhook
 * form, so a test can announce a change it made in the fake exactly as amoCRM would.
 */
export function webhookCompanyFromApi(company: ApiCompany): WebhookCompany {
  const dateTypes = new Set(['date', 'birthday', 'date_time']);
  return {
    id: company.id,
    name: company.name,
    responsible_user_id: company.responsible_user_id,
    date_create: company.created_at,
    last_modified: company.updated_at,
    created_user_id: company.created_by,
    modified_user_id: company.updated_by,
    custom_fields: (company.custom_fields_values ?? []).map((field) => ({
      id: field.field_id,
      name: field.field_name,
      ...(field.field_code ? { code: field.field_code } : {}),
      values: field.values.map((value) => {
        const text = String(value.value ?? '');
        if (dateTypes.has(field.field_type)) return text;
        return value.enum_id === undefined ? { value: text } : { value: text, enum: value.enum_id };
      }),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// A delivery in amoCRM’s format (invented data, not a capture)
// ---------------------------------------------------------------------------------------------------------

/**
 * A company update delivery in exactly the format amoCRM sends (field order, PHP encoding, v2 custom field
 * layout, a date field without the `[value]` level), with invented data. Decoded, it reads:
 *
 *   contacts[update][0][id]=31825547
 *   contacts[update][0][name]=ООО «Ромашка»
 *   contacts[update][0][responsible_user_id]=8123451
 *   contacts[update][0][date_create]=1717400815
 *   contacts[update][0][last_modified]=1718006400
 *   contacts[update][0][created_user_id]=8123451
 *   contacts[update][0][modified_user_id]=8123452
 *   contacts[update][0][account_id]=29871234
 *   contacts[update][0][custom_fields][0][id]=1044561
 *   contacts[update][0][custom_fields][0][name]=Телефон
 *   contacts[update][0][custom_fields][0][values][0][value]=+7 999 123-45-67
 *   contacts[update][0][custom_fields][0][values][0][enum]=716933
 *   contacts[update][0][custom_fields][0][code]=PHONE
 *   contacts[update][0][custom_fields][1][id]=1071235
 *   contacts[update][0][custom_fields][1][name]=ID аккаунта клиента
 *   contacts[update][0][custom_fields][1][values][0][value]=30412345
 *   contacts[update][0][custom_fields][2][id]=1071237
 *   contacts[update][0][custom_fields][2][name]=Дата подключения
 *   contacts[update][0][custom_fields][2][values][0]=1717362000
 *   contacts[update][0][created_at]=1717400815
 *   contacts[update][0][updated_at]=1718006400
 *   contacts[update][0][type]=company
 *   account[subdomain]=partnerdemo
 *   account[id]=29871234
 *   account[_links][self]=https://partnerdemo.amocrm.ru
 */
export const EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY: string = [
  'contacts%5Bupdate%5D%5B0%5D%5Bid%5D=31825547',
  'contacts%5Bupdate%5D%5B0%5D%5Bname%5D=%D0%9E%D0%9E%D0%9E+%C2%AB%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0%C2%BB',
  'contacts%5Bupdate%5D%5B0%5D%5Bresponsible_user_id%5D=8123451',
  'contacts%5Bupdate%5D%5B0%5D%5Bdate_create%5D=1717400815',
  'contacts%5Bupdate%5D%5B0%5D%5Blast_modified%5D=1718006400',
  'contacts%5Bupdate%5D%5B0%5D%5Bcreated_user_id%5D=8123451',
  'contacts%5Bupdate%5D%5B0%5D%5Bmodified_user_id%5D=8123452',
  'contacts%5Bupdate%5D%5B0%5D%5Baccount_id%5D=29871234',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=1044561',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bname%5D=%D0%A2%D0%B5%D0%BB%D0%B5%D1%84%D0%BE%D0%BD',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=%2B7+999+123-45-67',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Benum%5D=716933',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bcode%5D=PHONE',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bid%5D=1071235',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bname%5D=ID+%D0%B0%D0%BA%D0%BA%D0%B0%D1%83%D0%BD%D1%82%D0%B0+%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82%D0%B0',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=30412345',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B2%5D%5Bid%5D=1071237',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B2%5D%5Bname%5D=%D0%94%D0%B0%D1%82%D0%B0+%D0%BF%D0%BE%D0%B4%D0%BA%D0%BB%D1%8E%D1%87%D0%B5%D0%BD%D0%B8%D1%8F',
  'contacts%5Bupdate%5D%5B0%5D%5Bcustom_fields%5D%5B2%5D%5Bvalues%5D%5B0%5D=1717362000',
  'contacts%5Bupdate%5D%5B0%5D%5Bcreated_at%5D=1717400815',
  'contacts%5Bupdate%5D%5B0%5D%5Bupdated_at%5D=1718006400',
  'contacts%5Bupdate%5D%5B0%5D%5Btype%5D=company',
  'account%5Bsubdomain%5D=partnerdemo',
  'account%5Bid%5D=29871234',
  'account%5B_links%5D%5Bself%5D=https%3A%2F%2Fpartnerdemo.amocrm.ru',
].join('&');
