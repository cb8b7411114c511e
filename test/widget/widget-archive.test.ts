/**
 * The widget archive amoCRM receives (dist/widget.zip), checked as amoCRM would see it: layout,
 * manifest, i18n, images, the AMD module — and the bundle budget (STYLE.md "Widget").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';
import JSZip from 'jszip';
import { ROOT, WIDGET_ZIP, ensureWidgetBuilt } from './build-widget';

/**
 * 48 KB gzipped. It was 40 KB until the program pages (issue 13: the admin's program form and preview, the fraud
 * queue, the partner's terms, links and order statistics) took the bundle to 41.8 KB; the budget was raised once,
 * on purpose, to leave room for the next programs' screens. Raising it again needs the same kind of reason.
 */
const BUNDLE_BUDGET_GZIP_BYTES = 48 * 1024;
const MAX_IMAGE_BYTES = 300 * 1024;
const IMAGE_SIZES: Record<string, [number, number]> = {
  'images/logo_main.png': [400, 272],
  'images/logo_small.png': [108, 108],
  'images/logo.png': [130, 100],
  'images/logo_medium.png': [240, 84],
  'images/logo_min.png': [84, 84],
};
const HOST_AMD_MODULES = ['jquery', 'underscore', 'twigjs', 'moment', 'lib/components/base/modal'];

let zip: JSZip;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  ensureWidgetBuilt();
  zip = await JSZip.loadAsync(fs.readFileSync(WIDGET_ZIP));
  for (const entry of Object.values(zip.files)) {
    if (!entry.dir) files.set(entry.name, await entry.async('nodebuffer'));
  }
}, 120_000);

function text(name: string): string {
  const buf = files.get(name);
  if (!buf) throw new Error(`${name} is not in widget.zip`);
  return buf.toString('utf8');
}

function json(name: string): any {
  return JSON.parse(text(name));
}

function flattenKeys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? flattenKeys(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

function lookup(tree: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as any)[part] : undefined),
      tree,
    );
}

/** Every i18n key the manifest refers to (names, descriptions, setting names, the advanced page title). */
function manifestI18nKeys(manifest: any): string[] {
  return [
    manifest.widget.name,
    manifest.widget.description,
    manifest.widget.short_description,
    manifest.advanced.title,
    ...Object.values<any>(manifest.settings).map((s) => s.name),
  ];
}

describe('widget.zip', () => {
  test('holds exactly script.js, manifest.json, the i18n files and the images, at the archive root', () => {
    expect([...files.keys()].sort()).toEqual(
      ['i18n/en.json', 'i18n/ru.json', 'manifest.json', 'script.js', ...Object.keys(IMAGE_SIZES)].sort(),
    );
    // No wrapping folder: amoCRM looks for manifest.json at the root.
    expect(
      Object.keys(zip.files).filter((n) => !/^(script\.js|manifest\.json|i18n\/?|images\/?)/.test(n)),
    ).toEqual([]);
  });

  test('text files are UTF-8 without a BOM', () => {
    for (const name of ['script.js', 'manifest.json', 'i18n/ru.json', 'i18n/en.json']) {
      const buf = files.get(name)!;
      expect([name, buf.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))]).toEqual([name, false]);
      expect(Buffer.from(buf.toString('utf8'), 'utf8').equals(buf)).toBe(true);
    }
  });

  test('manifest.json declares interface 2, both locales, the card/settings/page locations and the settings fields', () => {
    const manifest = json('manifest.json');
    expect(manifest.widget).toMatchObject({
      name: 'widget.name',
      description: 'widget.description',
      short_description: 'widget.short_description',
      interface_version: 2,
      init_once: false,
      locale: ['ru', 'en'],
      installation: true,
    });
    expect(manifest.widget.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.widget.support.link).toMatch(/^https:\/\//);
    expect(manifest.widget.support.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(manifest.locations).toEqual(
      expect.arrayContaining(['comcard-1', 'lcard-1', 'ccard-1', 'settings', 'advanced_settings']),
    );
    expect(manifest.advanced).toEqual({ title: 'advanced.title' });
    expect(manifest.settings.backend_url).toEqual({
      name: 'settings.backend_url',
      type: 'text',
      required: false, // PUBLIC_URL is built in; the setting only overrides it
    });
    expect(manifest.settings.account_id_field).toMatchObject({
      name: 'settings.account_id_field',
      type: 'text',
    });
    for (const setting of Object.values<any>(manifest.settings)) {
      expect(['text', 'pass', 'users', 'users_lp', 'custom']).toContain(setting.type);
    }
    // Retired fields: amoCRM assigns the code and secret itself now.
    expect(manifest.widget.code).toBeUndefined();
    expect(manifest.widget.secret_key).toBeUndefined();
  });

  test('ru and en have the same keys, and every key the manifest names is a string in both', () => {
    const manifest = json('manifest.json');
    const ru = json('i18n/ru.json');
    const en = json('i18n/en.json');
    expect(flattenKeys(en).sort()).toEqual(flattenKeys(ru).sort());
    for (const key of manifestI18nKeys(manifest)) {
      for (const [lang, tree] of [
        ['ru', ru],
        ['en', en],
      ] as const) {
        expect([lang, key, typeof lookup(tree, key)]).toEqual([lang, key, 'string']);
      }
    }
    // Every leaf is a non-empty string (no nulls or numbers amoCRM would print as is).
    for (const tree of [ru, en]) {
      for (const key of flattenKeys(tree))
        expect([
          key,
          typeof lookup(tree, key) === 'string' && (lookup(tree, key) as string).length > 0,
        ]).toEqual([key, true]);
    }
  });

  test('images are PNGs of the documented sizes, each at most 300 KB', () => {
    for (const [name, [width, height]] of Object.entries(IMAGE_SIZES)) {
      const png = files.get(name)!;
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(
        true,
      );
      expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
      expect([name, png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([name, width, height]);
      expect(png.length).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
    }
  });

  test('the committed images are exactly what scripts/make-images.js draws', () => {
    // Keeps the generator and the committed PNGs from drifting apart (its output is deterministic).
    // Run by plain Node: under Jest's transform the rasteriser is ten times slower.
    const { IMAGES } = require(path.join(ROOT, 'scripts/make-images.js')) as { IMAGES: { file: string }[] };
    expect(IMAGES.map((i) => `images/${i.file}`).sort()).toEqual(Object.keys(IMAGE_SIZES).sort());
    expect(() =>
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/make-images.js'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  test('script.js is one anonymous AMD module whose dependencies are modules the amoCRM page provides', () => {
    const script = text('script.js');
    const head = /^define\((\[[^\]]*\])\s*,/.exec(script);
    expect(head).not.toBeNull();
    const deps: string[] = JSON.parse(head![1]!);
    expect(deps).toContain('jquery');
    for (const dep of deps) expect(HOST_AMD_MODULES).toContain(dep);
    // Everything is in this one file: nothing is fetched at runtime.
    expect(script).not.toMatch(/importScripts|createElement\("script"\)|new Worker|\bimport\(/);
    // Preact is bundled; jQuery is not.
    expect(script).not.toMatch(/jQuery JavaScript Library/);
  });

  test('the AMD factory returns a plain constructor (not a class) whose callbacks follow amoCRM', () => {
    let captured: { deps: string[]; factory: (...args: unknown[]) => unknown } | undefined;
    const define = (deps: string[], factory: (...args: unknown[]) => unknown) => {
      captured = { deps, factory };
    };
    vm.runInNewContext(text('script.js'), { define }, { filename: 'script.js' });
    expect(captured).toBeDefined();
    const fakeJquery = () => ({ length: 0, get: () => undefined, find: () => fakeJquery() });
    const Widget = captured!.factory(...captured!.deps.map((d) => (d === 'jquery' ? fakeJquery : {}))) as any;

    expect(typeof Widget).toBe('function');
    expect(Function.prototype.toString.call(Widget)).not.toMatch(/^class\b/);
    const widget = new Widget();
    for (const name of [
      'render',
      'init',
      'bind_actions',
      'settings',
      'onSave',
      'destroy',
      'advancedSettings',
    ]) {
      expect([name, typeof widget.callbacks[name]]).toEqual([name, 'function']);
    }
    // amoCRM may also apply the constructor to an object it made: a class would throw here.
    const target: any = {};
    expect(Widget.call(target)).toBe(target);
    expect(typeof target.callbacks.render).toBe('function');
  });

  test('script.js carries no zod: the API types come from the server as type-only imports', () => {
    // widget/src/types.ts infers the API's shapes from the server's zod schemas; one value import would
    // bundle zod (every zod schema object has a `_zod` property) and the server module behind it.
    expect(text('script.js')).not.toContain('_zod');
  });

  test(`script.js gzipped stays within the ${BUNDLE_BUDGET_GZIP_BYTES / 1024} KB budget`, () => {
    const raw = files.get('script.js')!;
    const gzipped = zlib.gzipSync(raw, { level: 9 }).length;
    console.log(
      `widget bundle: script.js ${raw.length} bytes, ${gzipped} bytes gzipped (budget ${BUNDLE_BUDGET_GZIP_BYTES})`,
    );
    expect(gzipped).toBeLessThanOrEqual(BUNDLE_BUDGET_GZIP_BYTES);
  });
});
