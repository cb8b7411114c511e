/**
 * The data of each fake amoCRM account (companies, custom fields, notes, tasks, tags), the validation of
 * writes, and the rendering of entities into amoCRM's API v4 (HAL) shapes.
 *
 * Shapes follow the amoCRM / Kommo developer docs and the official PHP SDK (amocrm/amocrm-api-php).
 * Validation error codes are the ones amoCRM is seen to return (`FieldMissing`, `InvalidType`,
 * `NotSupportedChoice`); where the platform's exact code is unknown (blank names, over-long batches,
 * duplicate field codes, unknown ids in PATCH) the fake uses a descriptive code in the same style, and the
 * backend must not depend on those strings — only on "400 with validation-errors".
 */
import { randomUUID } from 'node:crypto';

import { isRecord } from './http';
import { SlidingWindow } from './rate-limit';

/** amocrm.ru (Russia), kommo.com (international), amocrm.com (older international accounts). */
export type AmoDomain = 'amocrm.ru' | 'kommo.com' | 'amocrm.com';

/** Why an account answers 403: switched by a test, or blocked by the fake after too many 429s. */
export type BlockReason = 'manual' | 'rate-limit';

export interface FieldError {
  code: string;
  path: string;
  detail: string;
}

export interface ValidationEntry {
  request_id?: string;
  errors: FieldError[];
}

/** The most items amoCRM accepts in one write and returns in one page. */
export const MAX_BATCH = 250;

const fieldErrorOf = (code: string, path: string, detail: string): FieldError => ({ code, path, detail });

/** amoCRM's validation errors, by the code it sends and the detail it words it with. */
export const fieldError = {
  missing: (path: string) => fieldErrorOf('FieldMissing', path, 'This field is missing.'),
  type: (path: string, type: string) =>
    fieldErrorOf('InvalidType', path, `This value should be of type ${type}.`),
  choice: (path: string) =>
    fieldErrorOf('NotSupportedChoice', path, 'The value you selected is not a valid choice.'),
  blank: (path: string) => fieldErrorOf('NotBlank', path, 'This value should not be blank.'),
  notFound: (path: string) => fieldErrorOf('NotFound', path, 'Entity not found.'),
  notUnique: (path: string) => fieldErrorOf('NotUnique', path, 'This value is already used.'),
  tooMany: (max: number) =>
    fieldErrorOf('TooManyElements', '', `This collection should contain ${max} elements or less.`),
};

// ---------------------------------------------------------------------------------------------------------
// Records (what the fake stores) and API models (what it sends)
// ---------------------------------------------------------------------------------------------------------

export interface CustomFieldValue {
  value?: string | number | boolean;
  enum_id?: number;
  enum_code?: string;
}

export interface CompanyFieldValues {
  field_id: number;
  field_name: string;
  field_code: string | null;
  field_type: string;
  values: CustomFieldValue[];
}

export interface TagRecord {
  id: number;
  name: string;
  color: string | null;
}

export interface CompanyRecord extends Authorship {
  id: number;
  name: string;
  group_id: number;
  custom_fields_values: CompanyFieldValues[];
  tags: TagRecord[];
}

export interface EnumRecord {
  id: number;
  value: string;
  sort: number;
}

export interface CustomFieldRecord {
  id: number;
  name: string;
  type: string;
  code: string | null;
  sort: number;
  is_api_only: boolean;
  enums: EnumRecord[] | null;
  is_predefined: boolean;
  is_deletable: boolean;
}

/** Who made a company, a note or a task, who is responsible for it, and when (unix seconds). */
export interface Authorship {
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  responsible_user_id: number;
}

export interface TaskRecord extends Authorship {
  id: number;
  entity_id: number | null;
  entity_type: string | null;
  duration: number;
  is_completed: boolean;
  task_type_id: number;
  text: string;
  complete_till: number;
}

export interface NoteRecord extends Authorship {
  id: number;
  entity_id: number;
  note_type: string;
  params: Record<string, unknown>;
}

export interface Link {
  href: string;
}

/** A company as the API shows it: the stored record, its custom fields possibly null, and the API's extras. */
export interface ApiCompany extends Omit<CompanyRecord, 'custom_fields_values' | 'tags'> {
  closest_task_at: number | null;
  is_deleted: boolean;
  custom_fields_values: CompanyFieldValues[] | null;
  account_id: number;
  _links: { self: Link };
  _embedded: { tags: TagRecord[] };
}

/** A custom field as the API shows it: the stored record and the API's extras. */
export interface ApiCustomField extends CustomFieldRecord {
  account_id: number;
  group_id: string | null;
  required_statuses: unknown[];
  entity_type: 'companies';
  remind: string | null;
  triggers: unknown[];
  currency: string | null;
  hidden_statuses: unknown[];
  chained_lists: unknown[] | null;
  _links: { self: Link };
}

export interface ApiTask extends TaskRecord {
  group_id: number;
  result: unknown[];
  account_id: number;
  _links: { self: Link };
}

export interface ApiNote extends NoteRecord {
  group_id: number;
  account_id: number;
  _links: { self: Link };
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and id sequences
// ---------------------------------------------------------------------------------------------------------

/**
 * Ids are global across accounts, as on the real platform, so a test can never pass by accident because
 * two accounts happen to hold a company with the same id.
 */
export class Sequences {
  private readonly values = {
    company: 21_000_000,
    customField: 1_100_000,
    enum: 900_000,
    tag: 70_000,
    task: 31_000_000,
    note: 41_000_000,
    user: 8_100_000,
  };

  next(kind: keyof Sequences['values']): number {
    this.values[kind] += 1;
    return this.values[kind];
  }
}

export interface AccountIdentity {
  id: number;
  subdomain: string;
  domain: AmoDomain;
  name: string;
  userIds: number[];
}

export class AccountState {
  readonly companies = new Map<number, CompanyRecord>();
  readonly customFields = new Map<number, CustomFieldRecord>();
  readonly tasks = new Map<number, TaskRecord>();
  readonly notes = new Map<number, NoteRecord>();
  readonly tags = new Map<number, TagRecord>();

  blocked: BlockReason | null = null;
  unpaid = false;
  /** false: the integration's user is no administrator (custom fields are refused with 403). */
  adminRights = true;
  /** The IP whitelist of the account's API (null: none). */
  allowedIps: string[] | null = null;
  readonly uuid = randomUUID();
  readonly amojoId = randomUUID();

  /** API requests of the last second, for the 7-per-second limit. */
  readonly requestWindow = new SlidingWindow(1000);
  /** 429 answers within the auto-block window. */
  readonly tooManyWindow: SlidingWindow;
  apiRequests = 0;
  maxRequestsPerSecond = 0;
  tooManyRequests = 0;

  constructor(
    readonly identity: AccountIdentity,
    readonly createdAt: number,
    ids: Sequences,
    autoBlockWindowMs: number,
  ) {
    this.tooManyWindow = new SlidingWindow(autoBlockWindowMs);
    for (const field of predefinedCompanyFields(identity.domain)) {
      const record: CustomFieldRecord = {
        id: ids.next('customField'),
        name: field.name,
        type: field.type,
        code: field.code,
        sort: field.sort,
        is_api_only: false,
        enums: field.enums
          ? field.enums.map((value, i) => ({ id: ids.next('enum'), value, sort: (i + 1) * 2 }))
          : null,
        is_predefined: true,
        is_deletable: false,
      };
      this.customFields.set(record.id, record);
    }
  }

  get id(): number {
    return this.identity.id;
  }

  /** The user the integration acts as: the fake treats the first user as the one who installed it. */
  get currentUserId(): number {
    return this.identity.userIds[0]!;
  }

  get baseUrl(): string {
    return `https://${this.identity.subdomain}.${this.identity.domain}`;
  }
}

/** Every new amoCRM account has these company fields; their codes are fixed, their names localised. */
function predefinedCompanyFields(
  domain: AmoDomain,
): Array<{ name: string; type: string; code: string; sort: number; enums?: string[] }> {
  const ru = domain === 'amocrm.ru';
  return [
    {
      name: ru ? 'Телефон' : 'Phone',
      type: 'multitext',
      code: 'PHONE',
      sort: 4,
      enums: ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'],
    },
    { name: 'Email', type: 'multitext', code: 'EMAIL', sort: 6, enums: ['WORK', 'PRIV', 'OTHER'] },
    { name: 'Web', type: 'url', code: 'WEB', sort: 8 },
    { name: ru ? 'Адрес' : 'Address', type: 'textarea', code: 'ADDRESS', sort: 10 },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Small validators
// ---------------------------------------------------------------------------------------------------------

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** `request_id` is echoed as a string; without one amoCRM uses the item's index in the batch. */
export function requestIdOf(item: unknown, index: number): string {
  if (isRecord(item) && (typeof item.request_id === 'string' || typeof item.request_id === 'number')) {
    return String(item.request_id);
  }
  return String(index);
}

function checkUser(
  account: AccountState,
  value: unknown,
  path: string,
  errors: FieldError[],
): number | undefined {
  if (value === undefined) return undefined;
  const userId = checkInt(value, path, errors);
  if (userId === undefined) return undefined;
  if (!account.identity.userIds.includes(userId)) {
    errors.push(fieldError.choice(path));
    return undefined;
  }
  return userId;
}

/** A value that is there: an integer, or `InvalidType`. */
function checkInt(value: unknown, path: string, errors: FieldError[]): number | undefined {
  if (isInt(value)) return value;
  errors.push(fieldError.type(path, 'int'));
  return undefined;
}

function checkOptionalInt(value: unknown, path: string, errors: FieldError[]): number | undefined {
  return value === undefined || value === null ? undefined : checkInt(value, path, errors);
}

/** A required integer: `FieldMissing` without one, `InvalidType` for anything else. */
function checkRequiredInt(value: unknown, path: string, errors: FieldError[]): number | undefined {
  if (value !== undefined) return checkInt(value, path, errors);
  errors.push(fieldError.missing(path));
  return undefined;
}

/** A required string from a closed set (a type name): any other value is `NotSupportedChoice`. */
function checkChoice(
  value: unknown,
  path: string,
  allowed: Set<string>,
  errors: FieldError[],
): string | undefined {
  if (value === undefined) {
    errors.push(fieldError.missing(path));
    return undefined;
  }
  if (typeof value !== 'string' || !allowed.has(value)) {
    errors.push(fieldError.choice(path));
    return undefined;
  }
  return value;
}

/**
 * Visits each entry of a list in a write with its path. A value that is no list, or an entry that is no
 * object, is amoCRM's `InvalidType` "array" (its word for both); returns whether `raw` was a list.
 */
function forEachRecord(
  raw: unknown,
  path: string,
  errors: FieldError[],
  visit: (entry: Record<string, unknown>, path: string) => void,
): boolean {
  if (!Array.isArray(raw)) {
    errors.push(fieldError.type(path, 'array'));
    return false;
  }
  for (const [i, entry] of raw.entries()) {
    if (isRecord(entry)) visit(entry, `${path}.${i}`);
    else errors.push(fieldError.type(`${path}.${i}`, 'array'));
  }
  return true;
}

function checkName(
  value: unknown,
  path: string,
  required: boolean,
  errors: FieldError[],
): string | undefined {
  if (value === undefined) {
    if (required) errors.push(fieldError.missing(path));
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(fieldError.type(path, 'string'));
    return undefined;
  }
  if (value.trim() === '') {
    errors.push(fieldError.blank(path));
    return undefined;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Custom field values
// ---------------------------------------------------------------------------------------------------------

interface FieldWrite {
  field: CustomFieldRecord;
  /** `null` clears the field, as `"values": null` does in amoCRM. */
  values: CustomFieldValue[] | null;
}

const ENUM_TYPES = new Set(['select', 'multiselect', 'radiobutton', 'category']);
const NUMERIC_TYPES = new Set(['numeric', 'price', 'monetary']);
const DATE_TYPES = new Set(['date', 'birthday', 'date_time']);

function parseFieldValues(
  account: AccountState,
  raw: unknown,
  basePath: string,
  errors: FieldError[],
): FieldWrite[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const writes: FieldWrite[] = [];
  const isList = forEachRecord(raw, basePath, errors, (entry, path) => {
    const field = findField(account, entry, path, errors);
    if (!field) return;
    if (entry.values === null) {
      writes.push({ field, values: null });
      return;
    }
    if (!Array.isArray(entry.values)) {
      errors.push(
        entry.values === undefined
          ? fieldError.missing(`${path}.values`)
          : fieldError.type(`${path}.values`, 'array'),
      );
      return;
    }
    const values: CustomFieldValue[] = [];
    for (const [j, value] of entry.values.entries()) {
      const parsed = parseOneValue(field, value, `${path}.values.${j}`, errors);
      if (parsed) values.push(parsed);
    }
    writes.push({ field, values });
  });
  return isList ? writes : undefined;
}

/** The field an entry of `custom_fields_values` names by `field_id` or `field_code`, or an error. */
function findField(
  account: AccountState,
  entry: Record<string, unknown>,
  path: string,
  errors: FieldError[],
): CustomFieldRecord | undefined {
  if (entry.field_id !== undefined) {
    if (!isInt(entry.field_id)) {
      errors.push(fieldError.type(`${path}.field_id`, 'int'));
      return undefined;
    }
    const field = account.customFields.get(entry.field_id);
    if (!field) errors.push(fieldError.choice(`${path}.field_id`));
    return field;
  }
  if (entry.field_code !== undefined) {
    if (typeof entry.field_code !== 'string') {
      errors.push(fieldError.type(`${path}.field_code`, 'string'));
      return undefined;
    }
    const field = [...account.customFields.values()].find((f) => f.code === entry.field_code);
    if (!field) errors.push(fieldError.choice(`${path}.field_code`));
    return field;
  }
  errors.push(fieldError.missing(`${path}.field_id`));
  return undefined;
}

function parseOneValue(
  field: CustomFieldRecord,
  raw: unknown,
  path: string,
  errors: FieldError[],
): CustomFieldValue | undefined {
  if (!isRecord(raw)) {
    errors.push(fieldError.type(path, 'array'));
    return undefined;
  }
  const value = raw.value;
  if (ENUM_TYPES.has(field.type)) {
    const enums = field.enums ?? [];
    const byId = isInt(raw.enum_id) ? enums.find((e) => e.id === raw.enum_id) : undefined;
    const byValue = typeof value === 'string' ? enums.find((e) => e.value === value) : undefined;
    const chosen = byId ?? byValue;
    if (!chosen) {
      errors.push(fieldError.choice(raw.enum_id !== undefined ? `${path}.enum_id` : `${path}.value`));
      return undefined;
    }
    return { value: chosen.value, enum_id: chosen.id };
  }
  if (field.type === 'multitext') {
    if (typeof value !== 'string') {
      errors.push(
        value === undefined
          ? fieldError.missing(`${path}.value`)
          : fieldError.type(`${path}.value`, 'string'),
      );
      return undefined;
    }
    const enums = field.enums ?? [];
    let chosen = enums[0];
    if (raw.enum_id !== undefined) chosen = enums.find((e) => e.id === raw.enum_id);
    else if (raw.enum_code !== undefined) chosen = enums.find((e) => e.value === raw.enum_code);
    if (!chosen) {
      errors.push(fieldError.choice(raw.enum_id !== undefined ? `${path}.enum_id` : `${path}.enum_code`));
      return undefined;
    }
    return { value, enum_id: chosen.id, enum_code: chosen.value };
  }
  if (field.type === 'checkbox') {
    if (typeof value !== 'boolean') {
      errors.push(fieldError.type(`${path}.value`, 'bool'));
      return undefined;
    }
    return { value };
  }
  if (NUMERIC_TYPES.has(field.type)) {
    if (!(
      typeof value === 'number' ||
      (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
    )) {
      errors.push(fieldError.type(`${path}.value`, 'numeric'));
      return undefined;
    }
    // amoCRM answers numeric fields with string values ("value": "1500"), so the fake stores them that way.
    return { value: String(value) };
  }
  if (DATE_TYPES.has(field.type)) {
    if (!isInt(value)) {
      errors.push(fieldError.type(`${path}.value`, 'int'));
      return undefined;
    }
    return { value };
  }
  if (value === undefined) {
    errors.push(fieldError.missing(`${path}.value`));
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    errors.push(fieldError.type(`${path}.value`, 'string'));
    return undefined;
  }
  return { value: String(value) };
}

function applyFieldWrites(current: CompanyFieldValues[], writes: FieldWrite[]): CompanyFieldValues[] {
  const next = current.map((entry) => ({ ...entry, values: [...entry.values] }));
  for (const write of writes) {
    const index = next.findIndex((entry) => entry.field_id === write.field.id);
    if (write.values === null || write.values.length === 0) {
      if (index >= 0) next.splice(index, 1);
      continue;
    }
    const entry: CompanyFieldValues = {
      field_id: write.field.id,
      field_name: write.field.name,
      field_code: write.field.code,
      field_type: write.field.type,
      values: write.values,
    };
    if (index >= 0) next[index] = entry;
    else next.push(entry);
  }
  return next;
}

// ---------------------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------------------

type TagRef = { id: number } | { name: string };

function parseTagRefs(
  account: AccountState,
  raw: unknown,
  path: string,
  errors: FieldError[],
): TagRef[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return [];
  const refs: TagRef[] = [];
  const isList = forEachRecord(raw, path, errors, (tag, tagPath) => {
    if (tag.id !== undefined) {
      if (isInt(tag.id) && account.tags.has(tag.id)) refs.push({ id: tag.id });
      else errors.push(fieldError.choice(`${tagPath}.id`));
    } else if (typeof tag.name === 'string' && tag.name.trim() !== '') {
      refs.push({ name: tag.name.trim() });
    } else {
      errors.push(fieldError.missing(`${tagPath}.name`));
    }
  });
  return isList ? refs : undefined;
}

/** Tags are created on first use by name, as amoCRM does, and shared by all companies of the account. */
function resolveTag(account: AccountState, ids: Sequences, ref: TagRef): TagRecord {
  if ('id' in ref) return account.tags.get(ref.id)!;
  const wanted = ref.name.toLowerCase();
  for (const tag of account.tags.values()) if (tag.name.toLowerCase() === wanted) return tag;
  return stored(account.tags, { id: ids.next('tag'), name: ref.name, color: null });
}

/** Keeps a new record in its account's map under its id, and gives it back. */
function stored<R extends { id: number }>(records: Map<number, R>, record: R): R {
  records.set(record.id, record);
  return record;
}

// ---------------------------------------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------------------------------------

/**
 * A validated company write. Parsing has no side effects, so a batch is checked completely before anything
 * is stored: one bad item rejects the whole request, as amoCRM does.
 */
export interface CompanyPlan {
  requestId: string;
  id?: number;
  name?: string;
  responsibleUserId?: number;
  fields?: FieldWrite[];
  addTags?: TagRef[];
  deleteTags?: TagRef[];
  replaceTags?: TagRef[];
  createdBy?: number;
  updatedBy?: number;
  createdAt?: number;
  updatedAt?: number;
}

export type Parsed<T> = { ok: true; plan: T } | { ok: false; errors: FieldError[] };

export function parseCompanyWrite(
  account: AccountState,
  item: unknown,
  index: number,
  mode: 'create' | 'update',
): Parsed<CompanyPlan> {
  const errors: FieldError[] = [];
  const requestId = requestIdOf(item, index);
  if (!isRecord(item)) return { ok: false, errors: [fieldError.type('', 'array')] };

  const plan: CompanyPlan = { requestId };
  if (mode === 'update') {
    const id = checkRequiredInt(item.id, 'id', errors);
    if (id !== undefined && !account.companies.has(id)) errors.push(fieldError.notFound('id'));
    else plan.id = id;
  }
  plan.name = checkName(item.name, 'name', mode === 'create', errors);
  plan.responsibleUserId = checkUser(account, item.responsible_user_id, 'responsible_user_id', errors);
  plan.createdBy = checkOptionalInt(item.created_by, 'created_by', errors);
  plan.updatedBy = checkOptionalInt(item.updated_by, 'updated_by', errors);
  plan.createdAt = checkOptionalInt(item.created_at, 'created_at', errors);
  plan.updatedAt = checkOptionalInt(item.updated_at, 'updated_at', errors);
  plan.fields = parseFieldValues(account, item.custom_fields_values, 'custom_fields_values', errors);
  plan.addTags = parseTagRefs(account, item.tags_to_add, 'tags_to_add', errors);
  if (mode === 'update')
    plan.deleteTags = parseTagRefs(account, item.tags_to_delete, 'tags_to_delete', errors);
  if (item._embedded !== undefined) {
    if (!isRecord(item._embedded)) errors.push(fieldError.type('_embedded', 'array'));
    else plan.replaceTags = parseTagRefs(account, item._embedded.tags, '_embedded.tags', errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan };
}

export function commitCompany(
  account: AccountState,
  ids: Sequences,
  nowSec: number,
  plan: CompanyPlan,
): CompanyRecord {
  const existing = plan.id !== undefined ? account.companies.get(plan.id) : undefined;
  const company: CompanyRecord = existing ?? {
    id: ids.next('company'),
    name: '',
    responsible_user_id: account.currentUserId,
    group_id: 0,
    created_by: plan.createdBy ?? account.currentUserId,
    updated_by: account.currentUserId,
    created_at: plan.createdAt ?? nowSec,
    updated_at: nowSec,
    custom_fields_values: [],
    tags: [],
  };
  if (plan.name !== undefined) company.name = plan.name;
  if (plan.responsibleUserId !== undefined) company.responsible_user_id = plan.responsibleUserId;
  if (plan.fields) company.custom_fields_values = applyFieldWrites(company.custom_fields_values, plan.fields);

  if (plan.replaceTags)
    company.tags = uniqueTags(plan.replaceTags.map((ref) => resolveTag(account, ids, ref)));
  if (plan.addTags)
    company.tags = uniqueTags([...company.tags, ...plan.addTags.map((ref) => resolveTag(account, ids, ref))]);
  if (plan.deleteTags) {
    const drop = new Set(plan.deleteTags.map((ref) => resolveTag(account, ids, ref).id));
    company.tags = company.tags.filter((tag) => !drop.has(tag.id));
  }

  company.updated_by = plan.updatedBy ?? account.currentUserId;
  company.updated_at = plan.updatedAt ?? nowSec;
  account.companies.set(company.id, company);
  return company;
}

function uniqueTags(tags: TagRecord[]): TagRecord[] {
  return [...new Map(tags.map((tag) => [tag.id, tag])).values()];
}

export function renderCompany(account: AccountState, company: CompanyRecord, origin: string): ApiCompany {
  const openTaskDeadlines = [...account.tasks.values()]
    .filter((task) => !task.is_completed && task.entity_type === 'companies' && task.entity_id === company.id)
    .map((task) => task.complete_till);
  return {
    id: company.id,
    name: company.name,
    responsible_user_id: company.responsible_user_id,
    group_id: company.group_id,
    created_by: company.created_by,
    updated_by: company.updated_by,
    created_at: company.created_at,
    updated_at: company.updated_at,
    closest_task_at: openTaskDeadlines.length > 0 ? Math.min(...openTaskDeadlines) : null,
    is_deleted: false,
    custom_fields_values:
      company.custom_fields_values.length > 0 ? structuredClone(company.custom_fields_values) : null,
    account_id: account.id,
    _links: { self: { href: `${origin}/api/v4/companies/${company.id}` } },
    _embedded: { tags: company.tags.map((tag) => ({ ...tag })) },
  };
}

/**
 * amoCRM's `query` is a full-text search over the entity's name and field values. The fake matches a
 * case-insensitive substring, which is enough for our backend's "find the company whose client account id
 * field holds N" look-up (custom field filters are not documented in API v4).
 */
export function companyMatchesQuery(company: CompanyRecord, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (needle === '') return true;
  const haystack = [
    company.name,
    ...company.custom_fields_values.flatMap((f) => f.values.map((v) => String(v.value ?? ''))),
  ];
  return haystack.some((text) => text.toLowerCase().includes(needle));
}

// ---------------------------------------------------------------------------------------------------------
// Custom fields
// ---------------------------------------------------------------------------------------------------------

const CUSTOM_FIELD_TYPES = new Set([
  'text',
  'numeric',
  'checkbox',
  'select',
  'multiselect',
  'date',
  'url',
  'textarea',
  'radiobutton',
  'streetaddress',
  'smart_address',
  'birthday',
  'legal_entity',
  'date_time',
  'price',
  'category',
  'items',
  'tracking_data',
  'linked_entity',
  'chained_list',
  'monetary',
  'file',
  'payer',
  'supplier',
  'multitext',
]);

export interface CustomFieldPlan {
  requestId: string;
  name: string;
  type: string;
  code: string | null;
  sort: number | undefined;
  isApiOnly: boolean;
  enums: Array<{ value: string; sort?: number }> | null;
}

export function parseCustomFieldCreate(
  account: AccountState,
  item: unknown,
  index: number,
  codesInBatch: Set<string>,
): Parsed<CustomFieldPlan> {
  const requestId = requestIdOf(item, index);
  if (!isRecord(item)) return { ok: false, errors: [fieldError.type('', 'array')] };
  const errors: FieldError[] = [];
  const name = checkName(item.name, 'name', true, errors);

  const type = checkChoice(item.type, 'type', CUSTOM_FIELD_TYPES, errors);

  let code: string | null = null;
  if (item.code !== undefined && item.code !== null) {
    if (typeof item.code !== 'string') errors.push(fieldError.type('code', 'string'));
    else {
      const taken =
        [...account.customFields.values()].some((f) => f.code === item.code) || codesInBatch.has(item.code);
      if (taken) errors.push(fieldError.notUnique('code'));
      else code = item.code;
    }
  }
  const sort = checkOptionalInt(item.sort, 'sort', errors);
  if (item.is_api_only !== undefined && typeof item.is_api_only !== 'boolean')
    errors.push(fieldError.type('is_api_only', 'bool'));

  let enums: CustomFieldPlan['enums'] = null;
  if (item.enums !== undefined && item.enums !== null) {
    if (!Array.isArray(item.enums)) errors.push(fieldError.type('enums', 'array'));
    else {
      const parsedEnums: Array<{ value: string; sort?: number }> = [];
      for (const [i, entry] of item.enums.entries()) {
        if (isRecord(entry) && typeof entry.value === 'string') {
          parsedEnums.push({ value: entry.value, sort: isInt(entry.sort) ? entry.sort : undefined });
        } else {
          errors.push(fieldError.missing(`enums.${i}.value`));
        }
      }
      enums = parsedEnums;
    }
  }
  if (errors.length > 0 || name === undefined || type === undefined) return { ok: false, errors };
  if (code !== null) codesInBatch.add(code);
  return {
    ok: true,
    plan: { requestId, name, type, code, sort, isApiOnly: item.is_api_only === true, enums },
  };
}

export function commitCustomField(
  account: AccountState,
  ids: Sequences,
  plan: CustomFieldPlan,
): CustomFieldRecord {
  const maxSort = Math.max(0, ...[...account.customFields.values()].map((f) => f.sort));
  return stored(account.customFields, {
    id: ids.next('customField'),
    name: plan.name,
    type: plan.type,
    code: plan.code,
    sort: plan.sort ?? maxSort + 1,
    is_api_only: plan.isApiOnly,
    enums: plan.enums
      ? plan.enums.map((e, i) => ({ id: ids.next('enum'), value: e.value, sort: e.sort ?? (i + 1) * 10 }))
      : null,
    is_predefined: false,
    is_deletable: true,
  });
}

export function renderCustomField(
  account: AccountState,
  field: CustomFieldRecord,
  origin: string,
): ApiCustomField {
  return {
    id: field.id,
    name: field.name,
    type: field.type,
    account_id: account.id,
    code: field.code,
    sort: field.sort,
    is_api_only: field.is_api_only,
    enums: field.enums ? field.enums.map((e) => ({ ...e })) : null,
    group_id: null,
    required_statuses: [],
    is_deletable: field.is_deletable,
    is_predefined: field.is_predefined,
    entity_type: 'companies',
    remind: null,
    triggers: [],
    currency: null,
    hidden_statuses: [],
    chained_lists: null,
    _links: { self: { href: `${origin}/api/v4/companies/custom_fields/${field.id}` } },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------------------

const NOTE_TYPES = new Set([
  'common',
  'call_in',
  'call_out',
  'service_message',
  'extended_service_message',
  'message_cashier',
  'geolocation',
  'sms_in',
  'sms_out',
  'attachment',
]);

export interface NotePlan {
  requestId: string;
  entityId: number;
  noteType: string;
  params: Record<string, unknown>;
  responsibleUserId?: number;
  createdBy?: number;
}

/** `entityIdFromPath` is set for `POST /api/v4/companies/{id}/notes`, where the body may omit `entity_id`. */
export function parseNoteCreate(
  account: AccountState,
  item: unknown,
  index: number,
  entityIdFromPath: number | undefined,
): Parsed<NotePlan> {
  const requestId = requestIdOf(item, index);
  if (!isRecord(item)) return { ok: false, errors: [fieldError.type('', 'array')] };
  const errors: FieldError[] = [];

  let entityId = checkRequiredInt(entityIdFromPath ?? item.entity_id, 'entity_id', errors);
  if (entityId !== undefined && !account.companies.has(entityId)) {
    errors.push(fieldError.choice('entity_id'));
    entityId = undefined;
  }
  const noteType = checkChoice(item.note_type, 'note_type', NOTE_TYPES, errors);

  let params: Record<string, unknown> = {};
  if (item.params !== undefined) {
    if (!isRecord(item.params)) errors.push(fieldError.type('params', 'array'));
    else params = structuredClone(item.params);
  }
  if (noteType === 'common') {
    if (params.text === undefined) errors.push(fieldError.missing('params.text'));
    else if (typeof params.text !== 'string') errors.push(fieldError.type('params.text', 'string'));
  }
  const responsibleUserId = checkUser(account, item.responsible_user_id, 'responsible_user_id', errors);
  const createdBy = checkOptionalInt(item.created_by, 'created_by', errors);

  if (errors.length > 0 || entityId === undefined || noteType === undefined) return { ok: false, errors };
  return { ok: true, plan: { requestId, entityId, noteType, params, responsibleUserId, createdBy } };
}

/** A new note's or task's authorship: the plan's author and responsible user, else the API's own user. */
function newAuthorship(
  account: AccountState,
  nowSec: number,
  plan: { createdBy?: number; responsibleUserId?: number },
): Authorship {
  const author = plan.createdBy ?? account.currentUserId;
  return {
    created_by: author,
    updated_by: author,
    created_at: nowSec,
    updated_at: nowSec,
    responsible_user_id: plan.responsibleUserId ?? account.currentUserId,
  };
}

export function commitNote(
  account: AccountState,
  ids: Sequences,
  nowSec: number,
  plan: NotePlan,
): NoteRecord {
  return stored(account.notes, {
    id: ids.next('note'),
    entity_id: plan.entityId,
    ...newAuthorship(account, nowSec, plan),
    note_type: plan.noteType,
    params: plan.params,
  });
}

export function renderNote(account: AccountState, note: NoteRecord, origin: string): ApiNote {
  return {
    ...structuredClone(note),
    group_id: 0,
    account_id: account.id,
    _links: { self: { href: `${origin}/api/v4/companies/${note.entity_id}/notes/${note.id}` } },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------------------

const TASK_ENTITY_TYPES = new Set(['leads', 'contacts', 'companies', 'customers']);
/** Every account has the two system task types: 1 "Связаться" (follow-up call) and 2 "Встреча" (meeting). */
const TASK_TYPE_IDS = new Set([1, 2]);

export interface TaskPlan {
  requestId: string;
  text: string;
  completeTill: number;
  entityId: number | null;
  entityType: string | null;
  taskTypeId: number;
  responsibleUserId?: number;
  duration?: number;
  createdBy?: number;
}

export function parseTaskCreate(account: AccountState, item: unknown, index: number): Parsed<TaskPlan> {
  const requestId = requestIdOf(item, index);
  if (!isRecord(item)) return { ok: false, errors: [fieldError.type('', 'array')] };
  const errors: FieldError[] = [];

  const text = checkName(item.text, 'text', true, errors);
  const completeTill = checkRequiredInt(item.complete_till, 'complete_till', errors);

  let entityType: string | null = null;
  let entityId: number | null = null;
  if (item.entity_type !== undefined || item.entity_id !== undefined) {
    entityType = checkChoice(item.entity_type, 'entity_type', TASK_ENTITY_TYPES, errors) ?? null;
    const id = checkRequiredInt(item.entity_id, 'entity_id', errors);
    // Only companies live in the fake, so only links to companies can be checked for existence.
    if (id !== undefined && entityType === 'companies' && !account.companies.has(id))
      errors.push(fieldError.choice('entity_id'));
    else entityId = id ?? null;
  }

  let taskTypeId = 1;
  if (item.task_type_id !== undefined) {
    if (!isInt(item.task_type_id) || !TASK_TYPE_IDS.has(item.task_type_id))
      errors.push(fieldError.choice('task_type_id'));
    else taskTypeId = item.task_type_id;
  }
  const responsibleUserId = checkUser(account, item.responsible_user_id, 'responsible_user_id', errors);
  const duration = checkOptionalInt(item.duration, 'duration', errors);
  const createdBy = checkOptionalInt(item.created_by, 'created_by', errors);

  if (errors.length > 0 || text === undefined || completeTill === undefined) return { ok: false, errors };
  return {
    ok: true,
    plan: {
      requestId,
      text,
      completeTill,
      entityId,
      entityType,
      taskTypeId,
      responsibleUserId,
      duration,
      createdBy,
    },
  };
}

export function commitTask(
  account: AccountState,
  ids: Sequences,
  nowSec: number,
  plan: TaskPlan,
): TaskRecord {
  return stored(account.tasks, {
    id: ids.next('task'),
    ...newAuthorship(account, nowSec, plan),
    entity_id: plan.entityId,
    entity_type: plan.entityType,
    duration: plan.duration ?? 0,
    is_completed: false,
    task_type_id: plan.taskTypeId,
    text: plan.text,
    complete_till: plan.completeTill,
  });
}

export function renderTask(account: AccountState, task: TaskRecord, origin: string): ApiTask {
  return {
    ...task,
    group_id: 0,
    result: [],
    account_id: account.id,
    _links: { self: { href: `${origin}/api/v4/tasks/${task.id}` } },
  };
}
