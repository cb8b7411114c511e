import { z } from 'zod';
import { allRoutes } from '../../server/src/http/routes';
import { ContractDrift, createContract, strictSchema, type ContractRoute } from './contract';

const Thing = z.object({
  id: z.string(),
  count: z.number(),
  tags: z.array(z.object({ name: z.string() })),
  owner: z.object({ name: z.string() }).nullable(),
});

const routes: ContractRoute[] = [
  {
    method: 'get',
    path: '/api/v1/things/count',
    responses: { 200: { description: 'n', schema: z.number() } },
  },
  {
    method: 'get',
    path: '/api/v1/things/:id',
    responses: { 200: { description: 'Thing', schema: Thing }, 404: { description: 'not_found' } },
  },
  {
    method: 'get',
    path: '/api/v1/things/:id/pdf',
    responses: { 200: { description: 'PDF', contentType: 'application/pdf' } },
  },
  {
    method: 'get',
    path: '/api/v1/things/:id/export',
    responses: { 200: { description: 'PDF or CSV', contentType: ['application/pdf', 'text/csv'] } },
  },
  {
    method: 'post',
    path: '/api/v1/things',
    responses: {
      201: {
        description: 'Created',
        schema: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('a'), a: z.string() }),
          z.object({ kind: z.literal('b'), b: z.boolean().default(false) }),
        ]),
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/loose',
    responses: { 200: { description: 'Loose on purpose', schema: z.looseObject({ id: z.string() }) } },
  },
];
const contract = createContract(routes);

const thing = { id: 'thg_1', count: 2, tags: [{ name: 'x' }], owner: null };
const json = (method: string, path: string, status: number, body: unknown) => ({
  method,
  path,
  status,
  contentType: 'application/json; charset=utf-8',
  body,
});
const problem = (status: number, extra: Record<string, unknown> = {}) => ({
  method: 'GET',
  path: '/api/v1/things/thg_1',
  status,
  contentType: 'application/problem+json; charset=utf-8',
  body: {
    type: '/problems/not_found',
    title: 'Not found',
    status,
    detail: 'No such thing',
    code: 'not_found',
    requestId: 'r1',
    ...extra,
  },
});

/** The drift message of an answer, or undefined when it matches its route. */
function driftOf(response: Parameters<typeof contract.check>[0]): string | undefined {
  try {
    contract.check(response);
    return undefined;
  } catch (error) {
    if (!(error instanceof ContractDrift)) throw error;
    return error.message;
  }
}

describe('the API contract check', () => {
  test('passes an answer that matches its declared schema exactly', () => {
    expect(driftOf(json('GET', '/api/v1/things/thg_1', 200, thing))).toBeUndefined();
  });

  test('fails on a missing documented field, naming the route, the status and the path', () => {
    const { count: _count, ...withoutCount } = thing;
    const message = driftOf(json('GET', '/api/v1/things/thg_1', 200, withoutCount));
    expect(message).toContain('GET /api/v1/things/:id answered 200');
    expect(message).toContain('(requested /api/v1/things/thg_1)');
    expect(message).toMatch(/- count: Invalid input: expected number, received undefined/);
  });

  test('fails on a field of the wrong type, deep in the body', () => {
    const message = driftOf(json('GET', '/api/v1/things/thg_1', 200, { ...thing, tags: [{ name: 7 }] }));
    expect(message).toMatch(/- tags\.0\.name: Invalid input: expected string, received number/);
  });

  test('fails on an undocumented extra field, at the top and in nested objects', () => {
    const message = driftOf(
      json('GET', '/api/v1/things/thg_1', 200, {
        ...thing,
        secret: 'x',
        owner: { name: 'o', innPlain: '7707083893' },
      }),
    );
    expect(message).toMatch(/- secret: not in the declared schema/);
    expect(message).toMatch(/- owner\.innPlain: not in the declared schema/);
  });

  test('keeps an object declared loose loose', () => {
    expect(driftOf(json('GET', '/api/v1/loose', 200, { id: '1', more: true }))).toBeUndefined();
  });

  test('checks the branch of a union and treats a default as a field the server must send', () => {
    expect(driftOf(json('POST', '/api/v1/things', 201, { kind: 'a', a: 'x' }))).toBeUndefined();
    expect(driftOf(json('POST', '/api/v1/things', 201, { kind: 'a', a: 'x', b: true }))).toMatch(
      /b: not in the declared schema/,
    );
    expect(driftOf(json('POST', '/api/v1/things', 201, { kind: 'b' }))).toMatch(/- b: Invalid input/);
  });

  test('fails on a status the route does not document', () => {
    expect(driftOf(json('GET', '/api/v1/things/thg_1', 201, thing))).toMatch(
      /answered 201 .*\n {2}- status 201 is not documented \(documented: 200, 404\)/,
    );
  });

  test('holds error answers, documented or not, to the problem+json shape', () => {
    expect(driftOf(problem(404))).toBeUndefined();
    expect(driftOf(problem(409))).toBeUndefined();
    expect(driftOf(problem(404, { stack: 'at …' }))).toMatch(/- stack: not in the declared schema/);
    expect(driftOf(problem(404, { code: 'teapot' }))).toMatch(/- code: Invalid option/);
    expect(driftOf(problem(404, { status: 400 }))).toMatch(/status: the problem says 400, the response 404/);
    expect(driftOf({ ...problem(500), contentType: 'text/html' })).toMatch(
      /must be application\/problem\+json/,
    );
  });

  test('matches the route by method and pattern, ignoring the query string, first declared first', () => {
    expect(contract.routeFor('GET', '/api/v1/things/count?x=1')?.path).toBe('/api/v1/things/count');
    expect(contract.routeFor('get', '/api/v1/things/thg_1?limit=5')?.path).toBe('/api/v1/things/:id');
    expect(contract.routeFor('HEAD', '/api/v1/things/thg_1/pdf')?.path).toBe('/api/v1/things/:id/pdf');
    expect(contract.routeFor('POST', '/api/v1/things/thg_1')).toBeUndefined();
    expect(driftOf(json('GET', '/api/v1/things/count?x=1', 200, 3))).toBeUndefined();
  });

  test('checks only the content type of a documented file answer', () => {
    const pdf = { method: 'GET', path: '/api/v1/things/thg_1/pdf', status: 200, body: '%PDF' };
    expect(driftOf({ ...pdf, contentType: 'application/pdf' })).toBeUndefined();
    expect(driftOf({ ...pdf, contentType: 'text/html; charset=utf-8' })).toMatch(
      /documented as application\/pdf, answered text\/html/,
    );
    const file = { method: 'GET', path: '/api/v1/things/thg_1/export?format=csv', status: 200, body: 'a;b' };
    expect(driftOf({ ...file, contentType: 'text/csv; charset=utf-8' })).toBeUndefined();
    expect(driftOf({ ...file, contentType: 'application/json' })).toMatch(
      /documented as application\/pdf or text\/csv, answered application\/json/,
    );
  });

  test('fails when a JSON schema is declared and the answer is not JSON', () => {
    expect(driftOf({ ...json('GET', '/api/v1/things/thg_1', 200, 'x'), contentType: 'text/plain' })).toMatch(
      /the schema declares JSON, the answer is text\/plain/,
    );
  });

  test('fails closed on a success no route declares, except the answers outside the specs', () => {
    expect(driftOf(json('GET', '/api/v1/nothing', 200, {}))).toMatch(
      /GET \/api\/v1\/nothing answered 200\n {2}- no route spec declares this request/,
    );
    expect(driftOf(json('GET', '/health', 200, { status: 'ok' }))).toBeUndefined();
    expect(driftOf({ ...problem(404), path: '/api/v1/nothing' })).toBeUndefined();
  });

  test('can read every response schema and path pattern of the real routes', () => {
    expect(() => createContract(allRoutes)).not.toThrow();
    for (const route of allRoutes)
      for (const response of Object.values(route.responses))
        if (response.schema) expect(() => strictSchema(response.schema!)).not.toThrow();
  });

  test('refuses a zod type it cannot check rather than passing it', () => {
    expect(() => strictSchema(z.string().transform(Number))).toThrow(/cannot check .* zod type "transform"/);
  });
});
