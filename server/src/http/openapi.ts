import { z } from 'zod';
import { ProblemBody } from './errors';
import type { RouteSpec } from './route';

/**
 * Builds the OpenAPI 3.1 document from the same zod schemas that validate requests, so the published
 * contract cannot drift from what the server enforces.
 */
export function buildOpenApi(
  specs: RouteSpec<any, any, any>[],
  info: { version: string; serverUrl: string },
): object {
  const paths: Record<string, Record<string, unknown>> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
    z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });

  for (const spec of specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: prop,
        });
      }
    }
    if (spec.method !== 'get') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 200 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const mediaTypes = [r.contentType ?? (r.schema ? 'application/json' : [])].flat();
      const media = r.schema ? { schema: toSchema(r.schema, 'output') } : {};
      responses[status] = {
        description: r.description,
        ...(mediaTypes.length > 0
          ? { content: Object.fromEntries(mediaTypes.map((type) => [type, media])) }
          : {}),
      };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      security: securityFor(spec.auth),
      parameters,
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(spec.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: { title: 'amo-partners API', version: info.version },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      securitySchemes: {
        amoToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Auth-Token',
          description: 'amoCRM widget token (HS256 JWT)',
        },
        billingKey: { type: 'http', scheme: 'bearer', description: 'BILLING_API_KEY' },
      },
      schemas: {
        Problem: toSchema(ProblemBody, 'output'),
      },
    },
  };
}

function securityFor(auth: RouteSpec['auth']): unknown[] {
  switch (auth) {
    case 'public':
      return [];
    case 'billing':
      return [{ billingKey: [] }];
    default:
      return [{ amoToken: [] }];
  }
}
