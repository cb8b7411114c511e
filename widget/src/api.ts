/**
 * A small typed client for our backend, over amoCRM's `self.$authorizedAjax`.
 *
 * Every request must go through `$authorizedAjax`: it is the only way the widget gets an `X-Auth-Token`
 * (an HS256 JWT signed by amoCRM with the integration's secret), and that token is the only identity the
 * backend accepts. The widget never sees or stores any other credential.
 *
 * Responses are read as text and parsed here (`dataType: 'text'`), so success and error bodies are
 * handled the same way whatever jQuery version the page runs; errors in `application/problem+json`
 * (API.md: `type, title, status, detail, code, errors[{path, message}]`) become an `ApiError`.
 */
import type { AjaxOptions, JqXhrLike, WidgetSelf } from './amo';

export interface ApiErrorItem {
  path: string;
  /** English. */
  message: string;
  /** Russian, when the server has it (requisite checks and other refinements). */
  messageRu?: string;
}

/** Codes the client itself assigns when there is no problem+json body to read one from. */
export type ClientErrorCode = 'network_error' | 'timeout' | 'aborted' | 'bad_response' | 'not_configured';

export class ApiError extends Error {
  /** HTTP status; 0 when no response arrived (network, CORS, timeout, abort). */
  readonly status: number;
  /** The stable snake_case `code` from problem+json, or a `ClientErrorCode`, or `http_<status>`. */
  readonly code: string;
  readonly errors: ApiErrorItem[];
  readonly title: string | undefined;
  readonly detail: string | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    errors?: ApiErrorItem[];
    title?: string;
    detail?: string;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.errors = init.errors ?? [];
    this.title = init.title;
    this.detail = init.detail;
  }

  /** The message for one field (`inn`, `bank.account`…), for forms. */
  messageFor(path: string): string | undefined {
    return this.errors.find((e) => e.path === path)?.message;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** API.md: every state-changing request may carry one; repeat the same key when retrying. */
  idempotencyKey?: string;
  /** Aborts the request (e.g. when the component that asked is unmounted). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A file the API answered with (PDF documents), read as bytes. */
export interface Download {
  blob: Blob;
  contentType: string;
  header(name: string): string | null;
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options?: RequestOptions,
  ): Promise<T>;
  get<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  post<T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  /** GET a file (e.g. an invoice PDF) through `$authorizedAjax`, as bytes. */
  download(path: string, options?: Omit<RequestOptions, 'body' | 'idempotencyKey'>): Promise<Download>;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** Makes `responseText` a byte string (each char code & 0xff is one byte): binary through jQuery's text pipeline. */
const BINARY_MIME = 'text/plain; charset=x-user-defined';

/** `https://partners.example.com/` → `https://partners.example.com`; null when unset or not http(s). */
export function normalizeBaseUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/i.test(trimmed)) return null;
  return trimmed;
}

function buildUrl(baseUrl: string, path: string, query: RequestOptions['query']): string {
  let url = /^https?:\/\//i.test(path) ? path : baseUrl + (path.startsWith('/') ? path : '/' + path);
  if (query) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
    }
    if (parts.length) url += (url.includes('?') ? '&' : '?') + parts.join('&');
  }
  return url;
}

function parseBody(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  return JSON.parse(text);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bytesOf(binaryText: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(binaryText.length);
  for (let i = 0; i < binaryText.length; i++) bytes[i] = binaryText.charCodeAt(i) & 0xff;
  return bytes;
}

/** Turns a failed jqXHR into an ApiError, reading problem+json when the body is one. */
export function toApiError(xhr: JqXhrLike, textStatus: string): ApiError {
  const status = Number(xhr.status) || 0;
  if (status === 0) {
    const code = textStatus === 'timeout' ? 'timeout' : textStatus === 'abort' ? 'aborted' : 'network_error';
    return new ApiError({ status: 0, code, message: code });
  }
  let body: unknown;
  try {
    body = parseBody(xhr.responseText);
  } catch {
    body = undefined; // e.g. an HTML error page from a proxy
  }
  if (isRecord(body)) {
    const errors: ApiErrorItem[] = Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({
          path: String(e.path ?? ''),
          message: String(e.message ?? ''),
          ...(typeof e.messageRu === 'string' ? { messageRu: e.messageRu } : {}),
        }))
      : [];
    const title = typeof body.title === 'string' ? body.title : undefined;
    const detail = typeof body.detail === 'string' ? body.detail : undefined;
    return new ApiError({
      status,
      code: typeof body.code === 'string' && body.code ? body.code : `http_${status}`,
      message: detail ?? title ?? `HTTP ${status}`,
      errors,
      title,
      detail,
    });
  }
  return new ApiError({ status, code: `http_${status}`, message: `HTTP ${status}` });
}

/** A fresh Idempotency-Key for one user action (API.md); kept while that action is retried. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `amop-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function createApiClient(self: Pick<WidgetSelf, '$authorizedAjax'>, baseUrl: string): ApiClient {
  /** One `$authorizedAjax` exchange; resolves with the response text and the jqXHR. */
  function exchange(
    method: string,
    path: string,
    options: RequestOptions,
    binary: boolean,
  ): Promise<{ text: string | undefined; xhr: JqXhrLike }> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new ApiError({ status: 0, code: 'aborted', message: 'aborted' }));
        return;
      }
      const headers: Record<string, string> = {
        Accept: binary ? 'application/pdf, */*' : 'application/json',
      };
      if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
      const ajax: AjaxOptions = {
        url: buildUrl(baseUrl, path, options.query),
        type: method, // jQuery < 1.9 name, still read by jQuery 2
        method,
        dataType: 'text',
        headers,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      };
      if (binary) ajax.mimeType = BINARY_MIME;
      if (options.body !== undefined) {
        ajax.contentType = 'application/json';
        ajax.data = JSON.stringify(options.body);
      }

      let xhr: JqXhrLike;
      try {
        xhr = self.$authorizedAjax(ajax);
      } catch (e) {
        reject(
          new ApiError({
            status: 0,
            code: 'network_error',
            message: e instanceof Error ? e.message : String(e),
          }),
        );
        return;
      }
      const onAbort = () => xhr.abort?.('abort');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      xhr
        .done((data, _textStatus, doneXhr) => {
          options.signal?.removeEventListener('abort', onAbort);
          resolve({ text: typeof data === 'string' ? data : undefined, xhr: doneXhr ?? xhr });
        })
        .fail((failed, textStatus) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (binary && typeof failed.responseText === 'string') {
            // The error body came as bytes too: decode it as UTF-8 before reading problem+json.
            const text = new TextDecoder().decode(bytesOf(failed.responseText));
            reject(toApiError({ status: failed.status, responseText: text } as JqXhrLike, textStatus));
          } else reject(toApiError(failed, textStatus));
        });
    });
  }

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { text, xhr } = await exchange(method, path, options, false);
    try {
      return parseBody(text) as T;
    } catch {
      throw new ApiError({
        status: Number(xhr.status) || 200,
        code: 'bad_response',
        message: 'bad_response',
      });
    }
  }

  async function download(path: string, options: RequestOptions = {}): Promise<Download> {
    const { text, xhr } = await exchange('GET', path, options, true);
    const header = (name: string) => xhr.getResponseHeader?.(name) ?? null;
    const contentType = (header('Content-Type') ?? 'application/octet-stream').split(';')[0]!.trim();
    return { blob: new Blob([bytesOf(text ?? '')], { type: contentType }), contentType, header };
  }

  return {
    baseUrl,
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    download,
  };
}
