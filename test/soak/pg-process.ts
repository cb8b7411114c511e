import { spawn } from 'node:child_process';
import path from 'node:path';

const EMBEDDED = path.resolve(__dirname, '../../dist/server/src/db/embedded.js');

export interface PgProcess {
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL the test can stop and start, run by the compiled `startEmbeddedPostgres` in its own
 * Node process (so stopping it is a process exit, as for a real database outage).
 * Needs `buildServer()` first.
 */
export function startPgProcess(dataDir: string, port?: number): Promise<PgProcess> {
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(EMBEDDED)});
    startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port ?? 'undefined'} }).then((s) => {
      process.stdout.write(JSON.stringify({ adminUrl: s.adminUrl, port: s.port }) + '\\n');
      process.on('SIGTERM', () => s.stop().then(() => process.exit(0)));
    }, (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.split('\n')[0]!) as { adminUrl: string; port: number };
      resolve({
        ...info,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`postgres process exited with ${code}`)));
  });
}
