import { sql, type RawBuilder } from 'kysely';
import type { Caller } from '../auth/caller';
import type { Db } from '../db/pool';

type Actor = Caller | { kind: 'system' } | { kind: 'amocrm'; accountId: number };

/** The actor columns of an audit row, from the verified caller. */
function actorColumns(caller: Actor) {
  return caller.kind === 'account'
    ? {
        actor_kind: 'partner' as const,
        actor_account_id: BigInt(caller.accountId),
        actor_user_id: BigInt(caller.userId),
        token_jti: caller.jti,
      }
    : caller.kind === 'staff'
      ? {
          actor_kind: caller.role,
          actor_account_id: BigInt(caller.accountId),
          actor_user_id: BigInt(caller.userId),
          token_jti: caller.jti,
        }
      : caller.kind === 'amocrm'
        ? {
            actor_kind: 'amocrm' as const,
            actor_account_id: BigInt(caller.accountId),
            actor_user_id: null,
            token_jti: null,
          }
        : {
            actor_kind: caller.kind === 'billing' ? ('billing' as const) : ('system' as const),
            actor_account_id: null,
            actor_user_id: null,
            token_jti: null,
          };
}

/**
 * Appends one audit row: who (account and user from the verified token, or the billing system), what,
 * on which entity. Runs in the caller's transaction so the audit row exists exactly when the change does.
 * `details` must never contain personal data (passports) or secrets.
 */
export async function recordAudit(
  db: Db,
  caller: Actor,
  action: string,
  entity: { type: string; id: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordAudits(db, caller, action, [{ entity, details }]);
}

/**
 * `recordAudit` for many entities of one action in one statement (a batch of payments): `auditInsert`'s rows as
 * three arrays, so the statement is the same text whatever their number; a multi-row VALUES list of a thousand
 * rows cost Kysely's compiler, the driver and PostgreSQL's parser several times more.
 */
export async function recordAudits(
  db: Db,
  caller: Actor,
  action: string,
  rows: ReadonlyArray<{ entity: { type: string; id: string }; details?: Record<string, unknown> }>,
): Promise<void> {
  if (rows.length === 0) return;
  await auditInsert(caller, action, rows, sql<boolean>`true`).execute(db);
}

/**
 * `recordAudits` as a part of a larger statement (the body of a common table expression) that appends the rows
 * only when `when` holds: the audit row of a single payment's statement exists exactly when its payment does.
 */
export function auditInsert(
  caller: Actor,
  action: string,
  rows: ReadonlyArray<{ entity: { type: string; id: string }; details?: Record<string, unknown> }>,
  when: RawBuilder<boolean>,
): RawBuilder<unknown> {
  const who = actorColumns(caller);
  const text = (v: bigint | null) => (v === null ? null : String(v));
  return sql`
    INSERT INTO audit_log (actor_kind, actor_account_id, actor_user_id, token_jti, action, entity_type, entity_id,
                           details)
    SELECT ${who.actor_kind}, ${text(who.actor_account_id)}::bigint, ${text(who.actor_user_id)}::bigint,
           ${who.token_jti}::text, ${action}, r.type, r.id, r.details
      FROM unnest(${rows.map((r) => r.entity.type)}::text[], ${rows.map((r) => r.entity.id)}::text[],
                  ${rows.map((r) => JSON.stringify(r.details ?? {}))}::jsonb[]) AS r(type, id, details)
     WHERE ${when}`;
}

export interface AuditRow {
  at: Date;
  actorKind: string;
  actorAccountId: bigint | null;
  actorUserId: bigint | null;
  tokenJti: string | null;
  action: string;
  details: Record<string, unknown>;
}

export async function listAuditForEntity(db: Db, entity: { type: string; id: string }): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('entity_type', '=', entity.type)
    .where('entity_id', '=', entity.id)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    at: r.at,
    actorKind: r.actor_kind,
    actorAccountId: r.actor_account_id,
    actorUserId: r.actor_user_id,
    tokenJti: r.token_jti,
    action: r.action,
    details: r.details,
  }));
}
