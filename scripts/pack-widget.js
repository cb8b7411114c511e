#!/usr/bin/env node
/**
 * Packs the amoCRM widget archive: dist/widget.zip with, at the archive root (no folder),
 *   script.js · manifest.json · i18n/<locale>.json · images/*.png
 * and leaves the same files unpacked in dist/widget/ for the dev host page (/dev/widget/…).
 *
 * Run after webpack (`npm run build:widget` does both). Fails loudly on anything amoCRM would reject or
 * mis-render: missing script.js, a text file with a BOM or invalid JSON, a locale without its i18n file,
 * i18n files with different keys, a missing or oversized (> 300 KB) image.
 * The zip is deterministic (fixed file dates and order), so an unchanged widget packs to the same bytes.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const JSZip = require('jszip');

const ROOT = path.join(__dirname, '..');
const MANIFEST_DIR = path.join(ROOT, 'manifest');
const OUT_DIR = path.join(ROOT, 'dist', 'widget');
const ZIP_PATH = path.join(ROOT, 'dist', 'widget.zip');

const REQUIRED_IMAGES = ['logo_main.png', 'logo_small.png', 'logo.png', 'logo_medium.png', 'logo_min.png'];
const MAX_IMAGE_BYTES = 300 * 1024;
// Any fixed date: zip entries otherwise carry the packing time and every build differs.
const FIXED_DATE = new Date('2020-01-01T00:00:00Z');

function fail(message) {
  console.error(`pack-widget: ${message}`);
  process.exit(1);
}

function readText(file) {
  const buf = fs.readFileSync(file);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
    fail(`${path.relative(ROOT, file)} starts with a BOM`);
  return buf.toString('utf8');
}

function readJson(file) {
  try {
    return JSON.parse(readText(file));
  } catch (e) {
    return fail(`${path.relative(ROOT, file)}: ${e.message}`);
  }
}

function flattenKeys(obj, prefix = '') {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? flattenKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** The archive's files: [name inside the zip, source path]. */
function collectFiles() {
  const script = path.join(OUT_DIR, 'script.js');
  if (!fs.existsSync(script))
    fail('dist/widget/script.js is missing — run webpack first (npm run build:widget)');
  readText(script);

  const manifestPath = path.join(MANIFEST_DIR, 'manifest.json');
  const manifest = readJson(manifestPath);
  const locales = manifest.widget && manifest.widget.locale;
  if (!Array.isArray(locales) || locales.length === 0)
    fail('manifest.json: widget.locale must list the locales');

  const files = [
    ['script.js', script],
    ['manifest.json', manifestPath],
  ];
  let referenceKeys = null;
  for (const locale of locales) {
    const file = path.join(MANIFEST_DIR, 'i18n', `${locale}.json`);
    if (!fs.existsSync(file)) fail(`locale "${locale}" has no manifest/i18n/${locale}.json`);
    const keys = flattenKeys(readJson(file)).sort().join('\n');
    if (referenceKeys !== null && keys !== referenceKeys)
      fail(`manifest/i18n/${locale}.json has other keys than ${locales[0]}.json`);
    referenceKeys = keys;
    files.push([`i18n/${locale}.json`, file]);
  }

  const imagesDir = path.join(MANIFEST_DIR, 'images');
  const images = fs.existsSync(imagesDir)
    ? fs
        .readdirSync(imagesDir)
        .filter((f) => f.endsWith('.png'))
        .sort()
    : [];
  for (const required of REQUIRED_IMAGES) {
    if (!images.includes(required))
      fail(`manifest/images/${required} is missing (node scripts/make-images.js draws them)`);
  }
  for (const image of images) {
    const file = path.join(imagesDir, image);
    const size = fs.statSync(file).size;
    if (size > MAX_IMAGE_BYTES)
      fail(`manifest/images/${image} is ${size} bytes; amoCRM allows ${MAX_IMAGE_BYTES}`);
    files.push([`images/${image}`, file]);
  }
  return files;
}

async function main() {
  const files = collectFiles();
  const zip = new JSZip();
  for (const [name, source] of files) {
    const data = fs.readFileSync(source);
    zip.file(name, data, { date: FIXED_DATE, createFolders: false });
    // Unpacked copy for the dev host page. webpack already emits these files; writing them again keeps
    // dist/widget/ and the zip identical even when the manifest changed after the last webpack run.
    if (name !== 'script.js') {
      const target = path.join(OUT_DIR, name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
  }
  const buf = await zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
    platform: 'UNIX',
  });
  fs.writeFileSync(ZIP_PATH, buf);
  console.log(
    `pack-widget: ${path.relative(ROOT, ZIP_PATH)} ${buf.length} bytes, ${files.length} files: ${files.map((f) => f[0]).join(', ')}`,
  );
}

main().catch((e) => fail(e.stack || String(e)));
