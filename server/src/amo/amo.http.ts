import got, { RequestError } from 'got';
import { AmoUnavailableError } from './amo.errors';

export interface AmoHttpRequest {
  /** The account host (partner.amocrm.ru); replaced by AMO_API_ORIGIN when that is set. */
  host: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** Path with its own query string if any (`/api/v4/companies?page=2`). */
  path: string;
  searchParams?: Record<string, string | number>;
  json?: unknown;
  accessToken?: string;
  /** Extra headers (`X-Refresh-Token` for the subdomain look-up). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** For error messages: which account this is for. */
  accountKey: number | string;
}

export interface AmoHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Network errors that prove the request never reached amoCRM (so a write cannot have been applied). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The one place that talks HTTP to amoCRM, on `got`. Retries, throttling and status handling live above it
 * (amo.client.ts), so got's own retry is off. Errors never carry request options: got's would include the
 * Authorization header, and our errors end up in logs.
 */
export class AmoHttp {
  private readonly client = got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { 'user-agent': 'amo-partners/1.0', accept: 'application/hal+json, application/json' },
  });

  constructor(
    private readonly options: {
      apiOrigin: string | undefined;
      timeoutMs: number;
      /** The integration's id, sent as `X-Client-UUID` on every request as the official library does. */
      clientId?: string;
    },
  ) {}

  /** `https://<host>`, or AMO_API_ORIGIN when set: every API and OAuth call goes there (API.md). */
  origin(host: string): string {
    return this.options.apiOrigin?.replace(/\/+$/, '') ?? `https://${host}`;
  }

  async send(request: AmoHttpRequest): Promise<AmoHttpResponse> {
    const url = this.origin(request.host) + request.path;
    try {
      const response = await this.client(url, {
        method: request.method,
        ...(request.json !== undefined ? { json: request.json } : {}),
        ...(request.searchParams ? { searchParams: request.searchParams } : {}),
        headers: {
          // Through AMO_API_ORIGIN (a proxy, the fake) the Host header no longer names the account; this one
          // does, so the other side can route as amoCRM routes by host.
          ...(this.options.apiOrigin ? { 'x-amo-account-host': request.host } : {}),
          ...(this.options.clientId ? { 'x-client-uuid': this.options.clientId } : {}),
          ...(request.accessToken ? { authorization: `Bearer ${request.accessToken}` } : {}),
          ...request.headers,
        },
        timeout: { request: request.timeoutMs ?? this.options.timeoutMs },
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      const code = error instanceof RequestError ? error.code : undefined;
      const sent = !(code && NOT_SENT.has(code));
      throw new AmoUnavailableError(
        `amoCRM did not answer ${request.method} ${request.path.split('?')[0]} (${code ?? 'network error'})`,
        request.accountKey,
        null,
        sent && request.method !== 'GET',
      );
    }
  }
}

/** Parses a JSON body; undefined when it is empty or not JSON (amoCRM's gateways answer some errors in HTML). */
export function parseJson(body: string): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
