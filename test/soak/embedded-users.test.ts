import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from './server-process';

/**
 * The embedded PostgreSQL starts as root (it then runs the server as the `postgres` user) and as a normal
 * user (it runs the server itself). `npm run migrate` with no DATABASE_URL exercises exactly that start.
 */
const MIGRATE = path.resolve(__dirname, '../../dist/server/src/db/migrate-cli.js');

beforeAll(() => buildServer(), 120_000);

function migrateAs(user: string | null): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'amop-users-'));
  chmodSync(dataDir, 0o755);
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'development' };
  if (user === null) return execFileSync(process.execPath, [MIGRATE], { env, encoding: 'utf8' });
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
  chownSync(dataDir, uid, gid);
  return execFileSync(process.execPath, [MIGRATE], {
    env: { ...env, HOME: dataDir },
    uid,
    gid,
    encoding: 'utf8',
  });
}

describe('the embedded PostgreSQL', () => {
  it('starts and migrates as the current user', () => {
    expect(migrateAs(null)).toContain('001_foundation');
  });

  it('starts and migrates as a normal user (when the tests run as root, as `nobody`)', () => {
    // Run as root (CI), this switches to an unprivileged user; run as a normal user, the case above is it.
    const user = process.getuid?.() === 0 ? 'nobody' : null;
    expect(migrateAs(user)).toContain('001_foundation');
  });
});
