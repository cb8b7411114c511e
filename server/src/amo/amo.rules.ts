import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatDateShort } from '../documents/dates';

/**
 * Pure rules of the amoCRM integration: which hosts we talk to, the disconnect-hook signature, how long to
 * wait before a retry, and what we write into amoCRM. No database, no clock, no network.
 */

/**
 * The account domains amoCRM serves (AMOCRM.md): amoCRM in Russia, Kommo internationally, and amocrm.com
 * where older international accounts still live (real webhooks carry `https://<sub>.amocrm.com`). One list
 * for the install referer, the widget token's issuer and CORS.
 */
export const ACCOUNT_DOMAINS = ['amocrm.ru', 'kommo.com', 'amocrm.com'] as const;
export type AccountDomain = (typeof ACCOUNT_DOMAINS)[number];
const DOMAIN_ALTERNATIVES = ACCOUNT_DOMAINS.map((d) => d.replace(/\./g, '\\.')).join('|');

/**
 * The account hosts we accept from amoCRM. The OAuth code exchange sends our client secret to this host, so
 * anything else is refused outright.
 */
const ACCOUNT_HOST = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,62})\\.(?:${DOMAIN_ALTERNATIVES})$`);

/** An amoCRM or Kommo account page origin (`https://<sub>.<domain>`): the browser origins allowed by CORS. */
export const ACCOUNT_ORIGIN = new RegExp(`^https://[a-z0-9][a-z0-9-]*\\.(?:${DOMAIN_ALTERNATIVES})$`, 'i');

/** `referer` from the install redirect ("partner.amocrm.ru", sometimes a URL) → the account host, or null. */
export function accountHostFromReferer(referer: string): string | null {
  let host = referer.trim().toLowerCase();
  if (/^https?:\/\//.test(host)) {
    try {
      const url = new URL(host);
      if (url.protocol !== 'https:' || url.port || url.username || url.password) return null;
      host = url.hostname;
    } catch {
      return null;
    }
  }
  host = host.replace(/\/+$/, '');
  return ACCOUNT_HOST.test(host) ? host : null;
}

/** The brand of an account host: both are supported, the host is data (AMOCRM.md). */
export function brandOfHost(host: string): 'amocrm' | 'kommo' {
  return host.endsWith('.kommo.com') ? 'kommo' : 'amocrm';
}

/** The disconnect hook's signature: hex HMAC-SHA256 of `client_uuid|account_id` keyed with the client secret. */
export function disconnectSignature(clientSecret: string, clientUuid: string, accountId: string): string {
  return createHmac('sha256', clientSecret).update(`${clientUuid}|${accountId}`).digest('hex');
}

/** Constant-time check of a disconnect-hook signature (any case of hex accepted). */
export function verifyDisconnectSignature(
  clientSecret: string,
  clientUuid: string,
  accountId: string,
  signature: string,
): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = Buffer.from(disconnectSignature(clientSecret, clientUuid, accountId), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature.toLowerCase(), 'hex'));
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random, and the whole is
 * capped. Jitter spreads the retries of many deliveries so they do not hit a recovering account together.
 * `attempt` counts from 1; `random` is in [0, 1).
 */
export function backoffMs(
  attempt: number,
  options: { baseMs: number; capMs: number },
  random: number,
): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

/**
 * How long a 429 asks us to wait: `retry_after` (seconds) in the problem+json body, else the `Retry-After`
 * header (seconds). Clamped to [1 s, 10 min] so a bogus value can neither make us hammer nor stall an account
 * forever. The real gateway usually names no wait (an HTML page, no header): then the wait grows with each
 * 429 in a row that this call met (`attempt` from 1) — 1 s, 2 s, 4 s … up to `capMs`, plus up to a quarter
 * of jitter so callers that met the same 429 do not come back together. Never below 1 s: amoCRM counts a
 * one-second window.
 */
export function retryAfterMs(
  body: unknown,
  header: string | undefined,
  attempt = 1,
  options: { capMs: number } = { capMs: 16_000 },
  random = 0,
): number {
  const fromBody =
    typeof body === 'object' && body !== null ? (body as { retry_after?: unknown }).retry_after : undefined;
  const named = fromBody ?? header;
  if (named !== undefined && named !== '') {
    const seconds = Number(named);
    if (Number.isFinite(seconds)) return Math.min(600_000, Math.max(1000, seconds * 1000));
  }
  const exponential = Math.min(options.capMs, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.max(1000, exponential) * (1 + 0.25 * random));
}

// --- what we write into the vendor's amoCRM --------------------------------------------------------------

/** Code of the company custom field we create when the vendor did not name one (AMO_CLIENT_ACCOUNT_FIELD_ID). */
export const CLIENT_ACCOUNT_FIELD_CODE = 'AMOP_CLIENT_ACCOUNT_ID';
export const CLIENT_ACCOUNT_FIELD_NAME = 'ID аккаунта клиента';

export interface CompanyFieldValues {
  field_id: number;
  field_code?: string | null;
  values: Array<{ value?: unknown }> | null;
}

/** The client account ids a company's account-id field holds (normally one). */
export function clientAccountIdsOfCompany(
  company: { custom_fields_values?: CompanyFieldValues[] | null },
  fieldId: number,
): number[] {
  const field = (company.custom_fields_values ?? []).find((f) => f.field_id === fieldId);
  return (field?.values ?? [])
    .map((v) => String(v.value ?? '').trim())
    .filter((v) => /^[1-9][0-9]{0,15}$/.test(v))
    .map(Number);
}

export interface ClientState {
  clientAccountId: number;
  clientSubdomain: string | null;
  /** The partner the client is pinned or attributed to now; null when released or still waiting. */
  currentPartnerName: string | null;
  /** Partners who held the client before (their tags come off). */
  formerPartnerNames: string[];
}

/** The company name we give a new client company; sales may rename it, so updates leave it alone. */
export function companyName(state: Pick<ClientState, 'clientAccountId' | 'clientSubdomain'>): string {
  return state.clientSubdomain
    ? `${state.clientSubdomain} (аккаунт amoCRM ${state.clientAccountId})`
    : `Аккаунт amoCRM ${state.clientAccountId}`;
}

/** A tag name as amoCRM accepts it: trimmed, at most 255 characters. */
function tagName(name: string): string {
  return name.trim().slice(0, 255);
}

/** The body of a company create (POST) for a client. */
export function companyCreate(
  state: ClientState,
  fieldId: number,
  requestId: string,
): Record<string, unknown> {
  return {
    request_id: requestId,
    name: companyName(state),
    custom_fields_values: [{ field_id: fieldId, values: [{ value: String(state.clientAccountId) }] }],
    ...(state.currentPartnerName ? { tags_to_add: [{ name: tagName(state.currentPartnerName) }] } : {}),
  };
}

/**
 * The body of a company update (PATCH): the account-id field and the partner tags follow our records; the
 * name and everything else stay as sales keep them.
 */
export function companyUpdate(
  state: ClientState,
  fieldId: number,
  companyId: number,
  requestId: string,
): Record<string, unknown> {
  const current = state.currentPartnerName ? tagName(state.currentPartnerName) : null;
  const former = [...new Set(state.formerPartnerNames.map(tagName))].filter(
    (name) => name.toLowerCase() !== current?.toLowerCase(),
  );
  return {
    id: companyId,
    request_id: requestId,
    custom_fields_values: [{ field_id: fieldId, values: [{ value: String(state.clientAccountId) }] }],
    ...(current ? { tags_to_add: [{ name: current }] } : {}),
    ...(former.length > 0 ? { tags_to_delete: former.map((name) => ({ name })) } : {}),
  };
}

export type PinNoteEvent = 'pinned' | 'attributed' | 'released' | 'transferred_in' | 'recreated';

/**
 * The note on the client's company for one pin event: partner, date and pin id (rule 8), plus the outbox
 * reference that lets a retry find a note whose creation answer was lost.
 */
export function companyNoteText(input: {
  event: PinNoteEvent;
  partnerName: string;
  partnerId: string;
  pinId: string;
  at: Date;
  previousPartnerName?: string | null;
  reference: string;
}): string {
  const partner = `«${input.partnerName}» (${input.partnerId})`;
  const what = {
    pinned: `Клиент закреплён за партнёром ${partner} эксклюзивно`,
    attributed: `Клиент атрибутирован партнёру ${partner} неэксклюзивно: партнёр получает вознаграждение, отдел продаж может работать с клиентом`,
    released: `Закрепление за партнёром ${partner} снято: клиент свободен`,
    transferred_in: `Клиент передан партнёру ${partner}${input.previousPartnerName ? ` от партнёра «${input.previousPartnerName}»` : ''}`,
    recreated: `Компания создана заново после удаления; клиент закреплён за партнёром ${partner}`,
  }[input.event];
  return `${what}. Дата: ${formatDateShort(input.at)}. ID закрепления: ${input.pinId}.\nСсылка партнёрской программы: ${input.reference}`;
}

/** How a task names the client: «subdomain (аккаунт N)», or «аккаунт N» when the subdomain is unknown. */
function clientName(input: { clientAccountId: number; clientSubdomain: string | null }): string {
  return input.clientSubdomain
    ? `${input.clientSubdomain} (аккаунт ${input.clientAccountId})`
    : `аккаунт ${input.clientAccountId}`;
}

export function questionTaskText(input: {
  clientAccountId: number;
  clientSubdomain: string | null;
  questionId: string;
  text: string;
  reference: string;
}): string {
  const client = clientName(input);
  return (
    `Вопрос вашего клиента ${client} передан поддержкой вендора: ${input.text}\n` +
    `Ответьте клиенту и отметьте вопрос отвеченным в виджете партнёрской программы (вопрос ${input.questionId}).\n` +
    `Ссылка партнёрской программы: ${input.reference}`
  );
}

export function renewalTaskText(input: {
  clientAccountId: number;
  clientSubdomain: string | null;
  periodEnd: Date;
  productCode: string | null;
  reference: string;
}): string {
  const client = clientName(input);
  return (
    `Продление: у клиента ${client} оплаченный период${input.productCode ? ` (${input.productCode})` : ''} ` +
    `заканчивается ${formatDateShort(input.periodEnd)}. Свяжитесь с клиентом, чтобы он продлил вовремя.\n` +
    `Ссылка партнёрской программы: ${input.reference}`
  );
}
