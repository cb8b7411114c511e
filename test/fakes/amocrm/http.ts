/**
 * Small HTTP helpers for the fake amoCRM: reading bodies, and the reply shapes amoCRM uses.
 *
 * Routes return a `Reply` (plain data) instead of writing to the socket themselves, so the server can
 * record the status in the request log before the bytes leave and tests never see a half-recorded request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** Standard reason phrases; amoCRM's problem+json `title` is the reason phrase of the status. */
const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Time-out',
};

export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? 'Error';
}

/** A successful API answer: amoCRM sends HAL documents as `application/hal+json`. */
export function hal(status: number, payload: unknown): Reply {
  return { status, headers: { 'content-type': 'application/hal+json' }, body: JSON.stringify(payload) };
}

/** Plain JSON, used by the OAuth token endpoint and the fake's own control endpoints. */
export function json(status: number, payload: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
}

/**
 * An API error as amoCRM writes it: `application/problem+json` with `title`, `type`, `status`, `detail`.
 * The `type` of API errors is `https://httpstatus.es/<status>` on the real platform, so we copy that.
 */
export function httpProblem(status: number, detail: string, extra: Record<string, unknown> = {}): Reply {
  return problem(status, {
    ...extra,
    title: statusTitle(status),
    type: `https://httpstatus.es/${status}`,
    status,
    detail,
  });
}

export function problem(status: number, payload: Record<string, unknown>): Reply {
  return { status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(payload) };
}

/** amoCRM answers an empty list (and an empty page) with 204 and no body at all. */
export function noContent(): Reply {
  return { status: 204, headers: {} };
}

/**
 * Gateway-level failures on the real platform (the 403 block, 502, 504, sometimes 429) come from nginx
 * as HTML, not JSON. Clients must not assume every error body parses as JSON, so the fake sends the same.
 */
export function nginxPage(status: number): Reply {
  const line = `${status} ${statusTitle(status)}`;
  const body =
    `<html>\r\n<head><title>${line}</title></head>\r\n<body>\r\n<center><h1>${line}</h1></center>\r\n` +
    `<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { status, headers: { 'content-type': 'text/html' }, body };
}

/** Adds a header that tells a developer why the fake answered as it did, without changing the body. */
export function withReason(reply: Reply, reason: string): Reply {
  return { ...reply, headers: { ...reply.headers, 'x-fake-amo-reason': reason } };
}

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(`body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false };

/**
 * Parses a request body by its content type. The OAuth endpoint accepts both JSON and form encoding
 * (amoCRM's own examples use both), and API writes are JSON. An empty body parses to `undefined`.
 */
export function parseBody(raw: string, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return { ok: true, value: undefined };
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return { ok: true, value: Object.fromEntries(new URLSearchParams(raw)) };
  }
  if (type === '' || type.includes('json')) {
    try {
      return { ok: true, value: JSON.parse(raw) as unknown };
    } catch {
      return { ok: false };
    }
  }
  return { ok: true, value: raw };
}

/** Query parameters as a plain object; a repeated key (`filter[id][]=1&filter[id][]=2`) becomes an array. */
export function queryToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

export function headersToObject(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body !== undefined) headers['content-length'] = Buffer.byteLength(reply.body);
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
