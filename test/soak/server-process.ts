import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintAmoToken } from '../../server/src/auth/amo-token';
import { freePort } from '../../server/src/db/free-port';

const ROOT = path.resolve(__dirname, '../..');

/** Compiles the server once, as `npm start` runs it (dist/), so tests can run and kill real processes. */
export function buildServer(): void {
  execFileSync('npm', ['run', 'build:server', '--silent'], { cwd: ROOT, stdio: 'ignore' });
}

/** Fresh integration secrets and ids for a server started as a child process (the vendor is 1000001, admin 7). */
export function integrationEnv(): Record<string, string> {
  return {
    AMO_CLIENT_ID: randomUUID(),
    AMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    AMO_REDIRECT_URI: 'https://partners.example.test/amo/oauth/callback',
    VENDOR_ACCOUNT_ID: '1000001',
    ADMIN_USER_IDS: '7',
    BILLING_API_KEY: randomBytes(24).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
}

/** The real server as a child process on a given database; `kill()` is SIGKILL (kill -9). */
export class ServerProcess {
  readonly env: Record<string, string>;
  readonly url: string;
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    databaseUrl: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'amop-soak-')),
      ...integrationEnv(),
    };
  }

  static async create(databaseUrl: string): Promise<ServerProcess> {
    return new ServerProcess(await freePort(), databaseUrl);
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [path.join(ROOT, 'dist/server/src/main.js')], {
      env: { ...process.env, ...this.env },
      stdio: 'ignore',
    });
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('server did not come up');
  }

  /** kill -9: no shutdown hooks, in-flight transactions die with the connection. */
  kill(): Promise<void> {
    return this.signalAndWait('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signalAndWait('SIGTERM');
  }

  /** Sends the signal to a running server and resolves once it has exited. */
  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  token(accountId: number, userId = 1): string {
    return mintAmoToken(
      {
        clientId: this.env.AMO_CLIENT_ID!,
        clientSecret: this.env.AMO_CLIENT_SECRET!,
        audience: 'https://partners.example.test',
      },
      { accountId, userId, subdomain: `a${accountId}` },
    );
  }

  adminToken(): string {
    return this.token(1000001, 7);
  }

  async call(
    method: string,
    p: string,
    options: { token?: string; billing?: boolean; body?: unknown } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (options.token) headers['X-Auth-Token'] = options.token;
    if (options.billing) headers.Authorization = `Bearer ${this.env.BILLING_API_KEY}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + p, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
    };
  }
}
