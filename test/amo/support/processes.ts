import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { startAmoTest, VENDOR_ACCOUNT_ID, type AmoTestEnv } from './harness';

export interface WorkerProcess {
  child: ChildProcess;
  /** What the worker wrote to stderr (its warnings), for a failing test's message. */
  stderr(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `worker-process.ts` in its own Node process and resolves once its jobs run. */
export async function startWorkerProcess(settings: Record<string, unknown>): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'register.js'), path.join(__dirname, 'worker-process.ts')],
    {
      env: { ...process.env, AMO_TEST_WORKER: JSON.stringify(settings), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  return {
    child,
    stderr: () => stderr,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** What a test decides about one worker process; the rest of its settings are the environment's own. */
export interface WorkerOptions {
  /** The fake amoCRM, or a proxy in front of it. */
  apiOrigin: string;
  name: string;
  leaseMs: number;
  /** The throttle shared through PostgreSQL, as the server runs it (default: per process). */
  sharedThrottle?: boolean;
}

export interface ProcessTestEnv extends AmoTestEnv {
  /** Starts a worker process on this environment's database and amoCRM app; `close()` kills it if still running. */
  startWorker(options: WorkerOptions): Promise<WorkerProcess>;
}

/**
 * An amoCRM test environment whose background work runs only in the worker processes the test starts (and may
 * kill): none runs in this process, so what the test sees in the database is the processes' doing alone.
 */
export async function startProcessTest(partner: {
  accountId: number;
  name: string;
  subdomain: string;
}): Promise<ProcessTestEnv> {
  const env = await startAmoTest({ workers: false, vendor: true, partner });
  const workers: WorkerProcess[] = [];
  return {
    ...env,
    async startWorker(options) {
      const worker = await startWorkerProcess({
        databaseUrl: env.db.url,
        clientId: env.config.amo.clientId,
        clientSecret: env.config.amo.clientSecret,
        redirectUri: env.config.amo.redirectUri,
        vendorAccountId: VENDOR_ACCOUNT_ID,
        encryptionKey: env.config.encryptionKey.toString('base64'),
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers) await worker.kill('SIGKILL');
      await env.close();
    },
  };
}

export interface HoldingProxy {
  url: string;
  /** Resolves when `n` matching requests have reached amoCRM and their answers are being held back. */
  held(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A proxy in front of the fake amoCRM that forwards everything, except that for requests matching `hold` that
 * amoCRM applied (2xx) it never passes the answer on: the client is left exactly where a crash right after
 * sending would leave it.
 */
export async function startHoldingProxy(
  target: string,
  hold: (method: string, path: string) => boolean,
): Promise<HoldingProxy> {
  let heldCount = 0;
  const waiters: Array<{ n: number; resolve(): void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const upstream = http.request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            // Only answers of writes amoCRM applied are withheld; a 429 or 5xx goes back as it is.
            const applied = (answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 300;
            if (applied && hold(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!)) {
              heldCount += 1;
              for (const w of waiters.filter((w) => heldCount >= w.n)) w.resolve();
              return; // applied upstream; the answer is swallowed
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    held: (n) =>
      heldCount >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
