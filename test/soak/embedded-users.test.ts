import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterLocation } from '../../server/src/db/embedded';
import { buildServer } from './server-process';

/**
 * The embedded PostgreSQL starts as root (it then runs the server as the `postgres` user) and as a normal
 * user (it runs the server itself). `npm run migrate` with no DATABASE_URL exercises exactly that start.
 */
const ROOT = path.resolve(__dirname, '../..');
const MIGRATE = path.join(ROOT, 'dist/server/src/db/migrate-cli.js');

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

  it('starts from a checkout inside a private directory (mode 700, like /root) with the default DATA_DIR', () => {
    // A hard-linked copy of the built checkout (dist, node_modules) under a mode-700 folder: the PostgreSQL
    // binaries and ./.data are then out of the postgres user's reach, as in a `git clone` under /root.
    const home = mkdtempSync(path.join(os.tmpdir(), 'amop-private-'));
    chmodSync(home, 0o700);
    const checkout = path.join(home, 'checkout');
    mkdirSync(checkout);
    for (const part of ['dist', 'node_modules', 'package.json']) {
      execFileSync('cp', ['-al', path.join(ROOT, part), path.join(checkout, part)]);
    }
    const env: Record<string, string | undefined> = {
      ...process.env,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    };
    delete env.DATA_DIR;
    delete env.DATABASE_URL;
    const who =
      process.getuid?.() === 0
        ? {
            uid: Number(execFileSync('id', ['-u', 'postgres'])),
            gid: Number(execFileSync('id', ['-g', 'postgres'])),
          }
        : undefined;
    try {
      const out = execFileSync(process.execPath, [path.join(checkout, 'dist/server/src/db/migrate-cli.js')], {
        cwd: checkout,
        env,
        encoding: 'utf8',
      });
      expect(out).toContain('001_foundation');
      // Started again on the same data: nothing left to apply.
      const again = execFileSync(
        process.execPath,
        [path.join(checkout, 'dist/server/src/db/migrate-cli.js')],
        {
          cwd: checkout,
          env,
          encoding: 'utf8',
        },
      );
      expect(again).toContain('database is up to date');
    } finally {
      const cluster = clusterLocation(path.join(checkout, '.data'), who);
      rmSync(home, { recursive: true, force: true });
      if (!cluster.startsWith(home)) rmSync(path.dirname(cluster), { recursive: true, force: true });
    }
  });
});
