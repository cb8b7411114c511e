import { z } from 'zod';
import { PaymentBody } from '../commissions/commission';

/**
 * The columns of PaymentBody that hold numbers (`clientAccountId`, `grossMinor`), read from the schema itself so
 * a numeric field added later is parsed as a number too. Every other cell stays text: an `externalId` of digits
 * must stay the string billing gave.
 */
export const NUMBER_COLUMNS: ReadonlySet<string> = new Set(numberPaths(PaymentBody));

function numberPaths(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const walk = (node: JsonSchema, prefix: string): string[] =>
    Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.type === 'integer' || child.type === 'number') return [path];
      return child.type === 'object' ? walk(child, path) : [];
    });
  return walk(json, '');
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
}

/** A row that cannot become a payment body before it is sent: why, with the column or field at fault. */
export class RowError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/**
 * One CSV record as a payment body: the header names each column (`grossMinor`, or dotted for nested fields:
 * `referral.visitorId`, `payer.email`); an empty cell is an absent field; a number column's cell that reads as a
 * decimal number becomes that number (anything else is sent as text, and the server names the field).
 */
export function csvRowToBody(header: readonly string[], fields: readonly string[]): Record<string, unknown> {
  if (fields.length !== header.length)
    throw new RowError(`has ${fields.length} fields where the header has ${header.length}`);
  const body: Record<string, unknown> = {};
  header.forEach((column, i) => {
    const cell = fields[i]!;
    if (cell === '') return;
    const value = NUMBER_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(cell.trim()) ? Number(cell) : cell;
    setPath(body, column.split('.'), value);
  });
  return body;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    target[head!] = value;
    return;
  }
  const inner = (target[head!] ??= {}) as Record<string, unknown>;
  setPath(inner, rest, value);
}

/** Checks a CSV header: named, unique columns (what they mean is the server's to say, per row). */
export function checkHeader(header: readonly string[]): string[] {
  const columns = header.map((c) => c.trim());
  if (columns.some((c) => c === '' || c.split('.').some((part) => part === '')))
    throw new RowError('the header row has an empty column name');
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new RowError(`the header row names the column ${c} twice`);
    seen.add(c);
  }
  if (!seen.has('externalId')) throw new RowError('the header row has no externalId column');
  return columns;
}

/** One JSONL line as a payment body: a JSON object, sent as is. */
export function jsonlLineToBody(line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RowError('is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new RowError('is not a JSON object');
  return value as Record<string, unknown>;
}
