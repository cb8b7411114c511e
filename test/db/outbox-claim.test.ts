import { deliverableNow, setConnectionStatus, upsertConnection } from '../../server/src/amo/amo.repository';
import type { AmoConnectionStatus } from '../../server/src/db/schema';
import { claim, enqueue, type OutboxKind } from '../../server/src/outbox/outbox';
import { createTestDb, type TestDb } from '../support/db';

// The outbox claims only what amoCRM can take now (docs/AMOCRM.md, «The outbox»): a row whose target account is
// connected and active; a partner task of a partner with no connection at all (settled as "inbox only"); nothing
// of a blocked, broken or disconnected account, and those rows spend no attempt while they wait.
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.drop());

const ACCOUNTS: Array<[number, AmoConnectionStatus | 'none']> = [
  [61000001, 'active'],
  [61000002, 'blocked'],
  [61000003, 'broken'],
  [61000004, 'disconnected'],
  [61000005, 'none'],
];
const KINDS: OutboxKind[] = ['vendor_company.sync', 'partner_task.question'];

test.each([
  // [account's connection, kind, claimed]
  ['active', 'vendor_company.sync', true],
  ['active', 'partner_task.question', true],
  ['blocked', 'vendor_company.sync', false],
  ['blocked', 'partner_task.question', false],
  ['broken', 'vendor_company.sync', false],
  ['broken', 'partner_task.question', false],
  ['disconnected', 'vendor_company.sync', false],
  // A partner that uninstalled keeps its tasks in the widget's inbox: settled like one never connected.
  ['disconnected', 'partner_task.question', true],
  ['none', 'vendor_company.sync', false],
  ['none', 'partner_task.question', true],
] as const)('%s account, %s → claimed: %s', async (connection, kind, claimed) => {
  const [accountId] = ACCOUNTS.find(([, status]) => status === connection)!;
  await t.db.deleteFrom('outbox').execute();
  await t.db.deleteFrom('amo_connections').execute();
  for (const [id, status] of ACCOUNTS) {
    if (status === 'none') continue;
    await upsertConnection(t.db, {
      accountId: id,
      host: `a${id}.amocrm.ru`,
      tokensEnc: 'sealed',
      accessExpiresAt: new Date(Date.now() + 3600_000),
      userId: null,
      fromWidget: false,
    });
    if (status !== 'active') await setConnectionStatus(t.db, id, status, 'test');
  }
  await enqueue(t.db, {
    kind,
    targetAccountId: accountId,
    dedupeKey: `claim-${accountId}-${kind}`,
    payload: {},
  });

  const rows = await claim(t.db, {
    kinds: KINDS,
    limit: 10,
    leaseMs: 60_000,
    deliverable: deliverableNow,
  });

  expect(rows.map((r) => [Number(r.target_account_id), r.kind])).toEqual(claimed ? [[accountId, kind]] : []);
  const left = await t.db.selectFrom('outbox').select(['attempts', 'status']).executeTakeFirstOrThrow();
  expect(left).toEqual({ attempts: claimed ? 1 : 0, status: 'pending' });
});
