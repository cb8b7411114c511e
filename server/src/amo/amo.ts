import { z } from 'zod';

/**
 * The shapes of amoCRM API v4 answers we rely on (AMOCRM.md), as zod schemas: an answer that does not match is
 * an AmoResponseError instead of an `undefined` deep inside a delivery. Only the fields we read are listed;
 * everything else amoCRM sends is let through untouched.
 */

export const TokenResponse = z.object({
  token_type: z.string(),
  expires_in: z.number().int().positive(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** league/oauth2-server errors as amoCRM passes them through. */
export const OAuthProblem = z.looseObject({
  hint: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
});

export const AmoAccount = z.looseObject({
  id: z.number().int().positive(),
  name: z.string().optional(),
  subdomain: z.string(),
  current_user_id: z.number().int().optional(),
  country: z.string().optional(),
});
export type AmoAccount = z.infer<typeof AmoAccount>;

const FieldValues = z.array(
  z.looseObject({
    field_id: z.number().int(),
    field_code: z.string().nullable().optional(),
    values: z.array(z.looseObject({ value: z.unknown().optional() })).nullable(),
  }),
);

export const AmoCompany = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  updated_at: z.number().int().optional(),
  custom_fields_values: FieldValues.nullable().optional(),
  _embedded: z
    .looseObject({ tags: z.array(z.looseObject({ id: z.number(), name: z.string() })).optional() })
    .optional(),
});
export type AmoCompany = z.infer<typeof AmoCompany>;

export const AmoCustomField = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  code: z.string().nullable().optional(),
});
export type AmoCustomField = z.infer<typeof AmoCustomField>;

export const AmoNote = z.looseObject({
  id: z.number().int(),
  entity_id: z.number().int(),
  note_type: z.string(),
  created_at: z.number().int().optional(),
  params: z.looseObject({ text: z.string().optional() }).nullable().optional(),
});
export type AmoNote = z.infer<typeof AmoNote>;

export const AmoTask = z.looseObject({
  id: z.number().int(),
  text: z.string(),
  created_at: z.number().int(),
  complete_till: z.number().int().optional(),
  is_completed: z.boolean().optional(),
});
export type AmoTask = z.infer<typeof AmoTask>;

/** One page of a list: `_embedded.<key>` and `_links.next` when there is more. */
export function listPage<T extends z.ZodType>(key: string, item: T) {
  return z.looseObject({
    _page: z.number().optional(),
    _links: z.looseObject({ next: z.object({ href: z.string() }).optional() }).optional(),
    _embedded: z.looseObject({ [key]: z.array(item) }),
  });
}

/** A batch write's answer: every created/updated item echoes the `request_id` we gave it. */
export function batchResult(key: string) {
  return z.looseObject({
    _embedded: z.looseObject({
      [key]: z.array(
        z.looseObject({
          id: z.number().int(),
          request_id: z.union([z.string(), z.number()]).optional(),
        }),
      ),
    }),
  });
}

/** problem+json, with 400's `validation-errors` (AMOCRM.md). */
export const ApiProblem = z.looseObject({
  title: z.string().optional(),
  type: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  'validation-errors': z
    .array(
      z.looseObject({
        request_id: z.union([z.string(), z.number()]).optional(),
        errors: z
          .array(
            z.looseObject({
              code: z.string().optional(),
              path: z.string().optional(),
              detail: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** One item of a batch write (companies, notes, tasks, custom fields): `request_id` maps the answer back. */
export interface BatchItem {
  request_id: string;
  [key: string]: unknown;
}
