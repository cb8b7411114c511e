/**
 * Makes sure dist/widget.zip (and the unpacked dist/widget/) is built from the current sources.
 *
 * The widget tests check the real artifact, not a mock of it. Rebuilding takes a few seconds, so it
 * happens only when the zip is missing or older than any input; a lock directory keeps two test files
 * running in parallel workers from building into dist/widget at the same time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const DIST_WIDGET_DIR = path.join(ROOT, 'dist/widget');
export const WIDGET_ZIP = path.join(ROOT, 'dist/widget.zip');
export const HOST_DIR = path.join(ROOT, 'widget/host');

// shared/ is bundled into the widget (money, requisites): a change there must rebuild it too.
const INPUTS = [
  'widget/src',
  'shared',
  'manifest',
  'webpack.config.js',
  'scripts/pack-widget.js',
  'package.json',
];
const LOCK_DIR = path.join(ROOT, 'dist/.widget-build.lock');
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(p)
    .reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), stat.mtimeMs);
}

/** The PUBLIC_URL dist/widget was built with (webpack.config.js writes it), undefined when unknown. */
function builtFor(): string | undefined {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/widget-build.json'), 'utf8')) as { publicUrl: string }
    ).publicUrl;
  } catch {
    return undefined;
  }
}

function isFresh(): boolean {
  if (!fs.existsSync(WIDGET_ZIP) || !fs.existsSync(path.join(DIST_WIDGET_DIR, 'manifest.json'))) return false;
  // The tests run the widget without a baked-in server address (the host page passes it as the setting).
  if (builtFor() !== '') return false;
  const built = fs.statSync(WIDGET_ZIP).mtimeMs;
  return INPUTS.every((input) => {
    const p = path.join(ROOT, input);
    return !fs.existsSync(p) || newestMtime(p) <= built;
  });
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquireLock(): void {
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const stat = fs.statSync(LOCK_DIR, { throwIfNoEntry: false });
      if (!stat) continue; // released between our mkdir and stat
      // A crashed run leaves its lock behind; nobody builds for five minutes.
      if (Date.now() - stat.mtimeMs > STALE_LOCK_MS || Date.now() > deadline)
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      else sleep(200);
    }
  }
}

export function ensureWidgetBuilt(): void {
  if (isFresh()) return;
  acquireLock();
  try {
    if (isFresh()) return; // another worker built it while we waited
    const bin = path.join(ROOT, 'node_modules/.bin/webpack');
    const env = { ...process.env };
    delete env.PUBLIC_URL;
    execFileSync(bin, ['--mode', 'production'], { cwd: ROOT, stdio: 'pipe', env });
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/pack-widget.js')], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * Builds the widget as the vendor does for upload, with `PUBLIC_URL` baked in, into `outDir` (script.js and
 * the files next to it, not zipped); dist/ is left alone.
 */
export function buildWidgetFor(publicUrl: string, outDir: string): void {
  const bin = path.join(ROOT, 'node_modules/.bin/webpack');
  execFileSync(bin, ['--mode', 'production', '--output-path', outDir], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, PUBLIC_URL: publicUrl },
  });
}
