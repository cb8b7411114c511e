/**
 * amoCRM's CRM webhooks: `application/x-www-form-urlencoded` bodies built by PHP's `http_build_query` from a
 * nested array (`contacts[update][0][custom_fields][1][values][0][value]=30412345`). Every value is a string;
 * companies arrive under `contacts[…]` with `type=company` (AMOCRM.md). Pure parsing, no I/O.
 */

export type FormTree = string | { [key: string]: FormTree };

const MAX_PAIRS = 20_000;
const MAX_DEPTH = 12;
const SEGMENT = /\[([^[\]]*)\]/g;

/**
 * Parses bracket keys into a tree of plain objects (arrays stay objects keyed "0", "1", … — amoCRM numbers
 * them itself). Objects have no prototype, so keys like `__proto__` are plain data. Malformed keys are kept
 * whole; a value where an object is already being built (or the reverse) is dropped, as PHP does.
 */
export function parseBracketForm(body: string): { [key: string]: FormTree } {
  const root: { [key: string]: FormTree } = Object.create(null) as { [key: string]: FormTree };
  let pairs = 0;
  for (const [rawKey, value] of new URLSearchParams(body)) {
    if (++pairs > MAX_PAIRS) break;
    const open = rawKey.indexOf('[');
    const head = open > 0 ? rawKey.slice(0, open) : rawKey;
    const rest = open > 0 ? rawKey.slice(open) : '';
    const segments = [head];
    let consumed = 0;
    for (const match of rest.matchAll(SEGMENT)) {
      if (match.index !== consumed) break;
      segments.push(match[1]!);
      consumed += match[0].length;
    }
    if (consumed !== rest.length) {
      // Not bracket syntax after all: the key stays whole.
      segments.length = 0;
      segments.push(rawKey);
    }
    if (segments.length > MAX_DEPTH) continue;

    let node = root;
    for (let i = 0; i < segments.length; i++) {
      let key = segments[i]!;
      if (key === '') key = String(Object.keys(node).length); // `a[]=x` appends
      if (i === segments.length - 1) {
        if (node[key] === undefined) node[key] = value;
        break;
      }
      const next = node[key];
      if (next === undefined) {
        const child = Object.create(null) as { [key: string]: FormTree };
        node[key] = child;
        node = child;
      } else if (typeof next === 'string') break;
      else node = next;
    }
  }
  return root;
}

/** The values of an object keyed 0, 1, … in numeric order (a PHP list); [] for anything else. */
export function listOf(tree: FormTree | undefined): FormTree[] {
  if (tree === undefined || typeof tree === 'string') return [];
  return Object.keys(tree)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => tree[k]!);
}

function text(tree: FormTree | undefined): string | undefined {
  return typeof tree === 'string' ? tree : undefined;
}

function child(tree: FormTree | undefined, key: string): FormTree | undefined {
  return tree !== undefined && typeof tree !== 'string' ? tree[key] : undefined;
}

export interface WebhookCustomField {
  id: number;
  name: string;
  code: string | null;
  values: string[];
}

export interface CompanyWebhookEvent {
  action: 'add' | 'update' | 'restore' | 'delete';
  companyId: number;
  name: string | null;
  customFields: WebhookCustomField[];
}

export interface ParsedWebhook {
  /** `account[id]`: the account the webhook came from (cross-checked against the vendor's). */
  accountId: number | null;
  subdomain: string | null;
  companyEvents: CompanyWebhookEvent[];
  /** Other groups (leads, contacts that are people…): stored, not acted on. */
  otherGroups: string[];
}

const positiveInt = (value: string | undefined): number | null =>
  value !== undefined && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : null;

/**
 * The company events of a webhook. Custom fields come in the old v2 layout: `values` holds `{value, enum?}`
 * entries, or bare strings for dates (`[values][0]=1717362000`).
 */
export function parseWebhook(body: string): ParsedWebhook {
  const tree = parseBracketForm(body);
  const account = tree.account;
  const events: CompanyWebhookEvent[] = [];
  const other = new Set<string>();
  for (const group of Object.keys(tree)) {
    if (group === 'account') continue;
    if (group !== 'contacts') {
      other.add(group);
      continue;
    }
    const contacts = tree.contacts;
    for (const action of Object.keys(typeof contacts === 'string' ? {} : contacts!)) {
      if (action !== 'add' && action !== 'update' && action !== 'restore' && action !== 'delete') {
        other.add(`contacts[${action}]`);
        continue;
      }
      for (const item of listOf(child(contacts, action))) {
        if (text(child(item, 'type')) !== 'company') {
          other.add(`contacts[${action}] (contact)`);
          continue;
        }
        const companyId = positiveInt(text(child(item, 'id')));
        if (companyId === null) continue;
        events.push({
          action,
          companyId,
          name: text(child(item, 'name')) ?? null,
          customFields: listOf(child(item, 'custom_fields')).flatMap((field) => {
            const id = positiveInt(text(child(field, 'id')));
            if (id === null) return [];
            return [
              {
                id,
                name: text(child(field, 'name')) ?? '',
                code: text(child(field, 'code')) ?? null,
                values: listOf(child(field, 'values'))
                  .map((v) => (typeof v === 'string' ? v : text(child(v, 'value'))))
                  .filter((v): v is string => v !== undefined),
              },
            ];
          }),
        });
      }
    }
  }
  return {
    accountId: positiveInt(text(child(account, 'id'))),
    subdomain: text(child(account, 'subdomain')) ?? null,
    companyEvents: events,
    otherGroups: [...other],
  };
}
