/**
 * The API contract, checked on every answer the tests receive: each route spec declares its responses
 * (status → zod schema or content type) for the OpenAPI document, and this module holds the server to them.
 * An answer drifts when its status is not documented, when a documented field is missing or of another type,
 * or when the body carries a field the schema does not declare — zod's `z.object` strips unknown keys
 * silently, so the schemas are walked once and every object made strict (`strictSchema`).
 *
 * It fails closed: a request no route declares, an Express pattern or a zod type this module cannot read
 * is drift too, until someone teaches it deliberately.
 */
import { z } from 'zod';
import { ProblemBody } from '../../server/src/http/errors';
import type { RouteSpec } from '../../server/src/http/route';

/** What the check needs of a route spec. */
export type ContractRoute = Pick<RouteSpec, 'method' | 'path' | 'responses'>;

/** One answer as the test client saw it. */
export interface ObservedResponse {
  method: string;
  /** The path as requested; a query string is ignored. */
  path: string;
  status: number;
  contentType: string | null;
  /** The parsed body for JSON, the text otherwise. */
  body: unknown;
  /** fetch followed a redirect: `status` is the final page's, not the route's. */
  redirected?: boolean;
}

export class ContractDrift extends Error {
  override name = 'ContractDrift';
}

/**
 * Answers the app gives outside the route specs, so no spec documents them: CORS preflights, the health
 * check, the OpenAPI document itself and the widget's dev host page. Their error answers are still checked.
 */
const OUTSIDE_THE_SPECS: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'OPTIONS', path: /^\// },
  { method: 'GET', path: /^\/health$/ },
  { method: 'GET', path: /^\/api\/v1\/openapi\.json$/ },
  { method: 'GET', path: /^\/dev\// },
];

export interface Contract {
  /** The route a request reaches, as Express picks it: the first declared one with its method and pattern. */
  routeFor(method: string, path: string): ContractRoute | undefined;
  /** Throws `ContractDrift` naming the route, the status and each zod issue path when the answer drifts. */
  check(response: ObservedResponse): void;
}

export function createContract(routes: readonly ContractRoute[]): Contract {
  const compiled = routes.map((route) => ({ route, pattern: expressPattern(route.path) }));
  const routeFor = (method: string, path: string) => {
    // Express answers HEAD with the GET route.
    const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const pathOnly = path.split('?')[0] ?? '';
    return compiled.find((c) => c.route.method === wanted && c.pattern.test(pathOnly))?.route;
  };
  return {
    routeFor,
    check(response) {
      const method = response.method.toUpperCase();
      const route = routeFor(method, response.path);
      const problems = route ? routeDrift(route, response) : outsideDrift(method, response);
      if (problems.length === 0) return;
      const where = route ? `${route.method.toUpperCase()} ${route.path}` : `${method} ${response.path}`;
      throw new ContractDrift(
        `API contract drift: ${where} answered ${response.status}` +
          (route && route.path !== response.path.split('?')[0] ? ` (requested ${response.path})` : '') +
          `\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    },
  };
}

function routeDrift(route: ContractRoute, response: ObservedResponse): string[] {
  const documented = route.responses[response.status];
  if (response.redirected) {
    const redirects = Object.keys(route.responses).filter((s) => Number(s) >= 300 && Number(s) < 400);
    return redirects.length > 0 ? [] : ['answered a redirect, but the route documents none'];
  }
  if (!documented) {
    if (response.status >= 400) return problemDrift(response);
    return [`status ${response.status} is not documented (documented: ${documentedStatuses(route)})`];
  }
  if (documented.schema) {
    if (!isJson(response.contentType))
      return [`the schema declares JSON, the answer is ${response.contentType ?? 'without a content type'}`];
    return issuesOf(strictSchema(documented.schema), response.body);
  }
  if (documented.contentType) {
    const declared = [documented.contentType].flat();
    const answered = (response.contentType ?? '').toLowerCase();
    return declared.some((type) => answered.startsWith(type.toLowerCase()))
      ? []
      : [
          `documented as ${declared.join(' or ')}, answered ${response.contentType ?? 'without a content type'}`,
        ];
  }
  if (response.status >= 400) return problemDrift(response);
  if (response.status >= 300 || response.body === '' || response.body === undefined) return [];
  return [`answered a body (${response.contentType ?? 'no content type'}) the route documents no schema for`];
}

function outsideDrift(method: string, response: ObservedResponse): string[] {
  if (response.status >= 400) return problemDrift(response);
  const pathOnly = response.path.split('?')[0] ?? '';
  if (OUTSIDE_THE_SPECS.some((o) => o.method === method && o.path.test(pathOnly))) return [];
  return ['no route spec declares this request, yet it succeeded'];
}

/** Every error the app answers is problem+json in the one shape `http/errors.ts` writes. */
function problemDrift(response: ObservedResponse): string[] {
  if (!(response.contentType ?? '').startsWith('application/problem+json'))
    return [
      `an error must be application/problem+json, was ${response.contentType ?? 'without a content type'}`,
    ];
  const issues = issuesOf(strictSchema(ProblemBody), response.body);
  const status = (response.body as { status?: unknown } | null)?.status;
  if (issues.length === 0 && status !== response.status)
    issues.push(`status: the problem says ${String(status)}, the response ${response.status}`);
  return issues;
}

const isJson = (contentType: string | null) => /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '');

const documentedStatuses = (route: ContractRoute) => Object.keys(route.responses).join(', ') || 'none';

function issuesOf(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  return result.success ? [] : result.error.issues.flatMap((issue) => describe(issue, []));
}

/** One line per problem, each starting with its path in the body (`items.0.partnerId`). */
function describe(issue: z.core.$ZodIssue, prefix: PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map(
      (key) => `${pathText([...path, key])}: not in the declared schema (undocumented field)`,
    );
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.map(
      (branch, i) => `branch ${i + 1}: ${branch.flatMap((inner) => describe(inner, [])).join('; ')}`,
    );
    return [`${pathText(path)}: matches no branch of the union (${branches.join(' | ')})`];
  }
  return [`${pathText(path)}: ${issue.message}`];
}

const pathText = (path: PropertyKey[]) => (path.length === 0 ? '(body)' : path.map(String).join('.'));

/** Express patterns with `:name` segments only; anything richer must be taught here before it is trusted. */
function expressPattern(path: string): RegExp {
  if (/[{}*()?+]/.test(path)) throw new Error(`contract: cannot read the Express path pattern ${path}`);
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.\\^$|[\]]/g, '\\$&')))
    .join('/');
  // Express 5 routes ignore case and a trailing slash by default.
  return new RegExp(`^${source}/?$`, 'i');
}

const strictCache = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema as an answer must match it exactly: every object strict (no undeclared key) unless it was
 * declared loose on purpose, and every default unwrapped (a server always sends the field a default fills in).
 * Checks (`.min(1)`, formats, refinements) are kept: each node is cloned with its children replaced.
 */
export function strictSchema(schema: z.ZodType): z.ZodType {
  const cached = strictCache.get(schema);
  if (cached) return cached;
  const strict = rebuild(schema);
  strictCache.set(schema, strict);
  return strict;
}

/** zod types without child schemas: they check a value themselves. */
const LEAVES = new Set([
  'string',
  'number',
  'int',
  'boolean',
  'bigint',
  'null',
  'undefined',
  'void',
  'never',
  'any',
  'unknown',
  'date',
  'enum',
  'literal',
  'nan',
  'template_literal',
  'custom',
]);

function rebuild(schema: z.ZodType): z.ZodType {
  // zod's def is its documented extension point (zod/v4/core); `clone` keeps the node's own checks.
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const child = (key: string) => strictSchema(def[key] as z.ZodType);
  const clone = (changes: Record<string, unknown>) => schema.clone({ ...def, ...changes } as typeof def);
  switch (def.type) {
    case 'object': {
      const shape = Object.fromEntries(
        Object.entries(def.shape as Record<string, z.ZodType>).map(([key, value]) => [
          key,
          strictSchema(value),
        ]),
      );
      // No catchall means "strip": made strict. A declared catchall (a loose object) is kept on purpose.
      return clone({ shape, catchall: def.catchall ? child('catchall') : z.never() });
    }
    case 'array':
      return clone({ element: child('element') });
    case 'optional':
    case 'nullable':
    case 'readonly':
      return clone({ innerType: child('innerType') });
    case 'default':
    case 'prefault':
      return child('innerType');
    case 'union':
      return clone({ options: (def.options as z.ZodType[]).map(strictSchema) });
    case 'intersection':
      return clone({ left: child('left'), right: child('right') });
    case 'record':
      return clone({ keyType: child('keyType'), valueType: child('valueType') });
    case 'tuple':
      return clone({
        items: (def.items as z.ZodType[]).map(strictSchema),
        rest: def.rest ? child('rest') : null,
      });
    case 'lazy':
      return z.lazy(() => strictSchema((def.getter as () => z.ZodType)()));
    case 'pipe':
      // An answer is the pipe's output, serialized.
      return child('out');
    default:
      if (LEAVES.has(def.type)) return schema;
      throw new Error(`contract: cannot check a response schema of zod type "${def.type}"`);
  }
}
