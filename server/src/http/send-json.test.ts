import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express from 'express';
import type { AppContext } from '../context';
import { defineRoute, mountRoutes } from './route';

/**
 * JSON answers are written straight to Node's response (`sendJson`), not through Express's `res.json`: the
 * headers, the length of a Cyrillic body, money as numbers, and HEAD must come out as before.
 */
describe('JSON answers', () => {
  const body = { name: 'ООО «Ромашка»', amountKop: 123_456_789n, huge: 2n ** 60n, nested: { ok: true } };
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const router = express.Router();
    const route = defineRoute({
      method: 'get',
      path: '/thing',
      summary: 'a thing',
      tag: 'test',
      auth: 'public',
      responses: {},
      handler: async () => ({ status: 201, body, headers: { 'X-Extra': 'yes' } }),
    });
    // A public GET reads nothing from the context.
    mountRoutes(router, [route], {} as AppContext);
    const app = express();
    app.use(router);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the status, the route headers, UTF-8 JSON and its byte length, money as numbers', async () => {
    const res = await fetch(`${base}/thing`);
    const text = await res.text();
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length); // the Cyrillic name is multi-byte
    expect(JSON.parse(text)).toEqual({
      name: 'ООО «Ромашка»',
      amountKop: 123_456_789,
      huge: (2n ** 60n).toString(),
      nested: { ok: true },
    });
    expect(res.headers.get('etag')).toBeNull();
  });

  it('answers HEAD with the same headers and no body', async () => {
    const get = await fetch(`${base}/thing`);
    const head = await fetch(`${base}/thing`, { method: 'HEAD' });
    expect(head.status).toBe(201);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(await head.text()).toBe('');
  });
});
