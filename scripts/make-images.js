#!/usr/bin/env node
/**
 * Draws the widget's logos (manifest/images/*.png) in the sizes amoCRM requires.
 *
 * The PNGs are committed; run this again only to change the artwork:
 *   node scripts/make-images.js          (writes manifest/images/*.png)
 *   node scripts/make-images.js --check  (exits 1 if a committed PNG is not what this script draws)
 * The output is deterministic (same bytes on every run), so an unchanged logo never shows up as a diff.
 * No image library is needed: the mark is two interlocked rings (the partnership) on a blue rounded
 * tile, rasterised with 4×4 supersampling and written as an RGBA PNG with zlib.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const OUT_DIR = path.join(__dirname, '..', 'manifest', 'images');

/** Sizes from AMOCRM.md ("Widget archive"). `mark` is the mark's height as a share of the image height. */
const IMAGES = [
  { file: 'logo_main.png', width: 400, height: 272, mark: 0.5 },
  { file: 'logo_small.png', width: 108, height: 108, mark: 0.62 },
  { file: 'logo.png', width: 130, height: 100, mark: 0.6 },
  { file: 'logo_medium.png', width: 240, height: 84, mark: 0.66 },
  { file: 'logo_min.png', width: 84, height: 84, mark: 0.62 },
];

const TOP = [0x2f, 0x6b, 0xff]; // gradient start (top)
const BOTTOM = [0x1d, 0x3f, 0xb5]; // gradient end (bottom)
const INK = [0xff, 0xff, 0xff];
const ACCENT = [0xff, 0xc8, 0x3d];
const SUPERSAMPLE = 4;

/** Coverage of one sub-sample: which layer it hits (0 = outside, 1 = tile, 2 = white ring, 3 = accent ring). */
function layerAt(x, y, w, h, markShare) {
  const radius = Math.min(w, h) * 0.16;
  // Rounded rectangle tile: outside the corner circles is transparent.
  const qx = Math.max(radius - x, 0, x - (w - radius));
  const qy = Math.max(radius - y, 0, y - (h - radius));
  if (qx * qx + qy * qy > radius * radius) return 0;

  const ringR = (h * markShare) / 2 - h * markShare * 0.08;
  const stroke = h * markShare * 0.16;
  const cx = w / 2;
  const cy = h / 2;
  const dx = ringR * 0.62;
  const left = Math.abs(Math.hypot(x - (cx - dx), y - cy) - ringR) <= stroke / 2;
  const right = Math.abs(Math.hypot(x - (cx + dx), y - cy) - ringR) <= stroke / 2;
  // Interlock: in the upper crossing the right ring lies on top, in the lower one the left ring does.
  if (left && right) return y < cy ? 3 : 2;
  if (right) return 3;
  if (left) return 2;
  return 1;
}

function draw(w, h, markShare) {
  const rgba = Buffer.alloc(w * h * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < h; py++) {
    const t = py / Math.max(1, h - 1);
    const tile = TOP.map((c, i) => c + (BOTTOM[i] - c) * t);
    for (let px = 0; px < w; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const layer = layerAt(
            px + (sx + 0.5) / SUPERSAMPLE,
            py + (sy + 0.5) / SUPERSAMPLE,
            w,
            h,
            markShare,
          );
          if (layer === 0) continue;
          const c = layer === 1 ? tile : layer === 2 ? INK : ACCENT;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const o = (py * w + px) * 4;
      // Colour is averaged over the covered samples only (straight, not premultiplied, alpha).
      rgba[o] = a ? Math.round(r / a) : 0;
      rgba[o + 1] = a ? Math.round(g / a) : 0;
      rgba[o + 2] = a ? Math.round(b / a) : 0;
      rgba[o + 3] = Math.round((a / n) * 255);
    }
  }
  return rgba;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(w, h, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  // Filter type 1 (Sub) on every row: the tile is a smooth gradient, so left differences compress well.
  const stride = w * 4;
  const raw = Buffer.alloc((stride + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (stride + 1);
    raw[row] = 1;
    for (let i = 0; i < stride; i++) {
      const cur = rgba[y * stride + i];
      const left = i >= 4 ? rgba[y * stride + i - 4] : 0;
      raw[row + 1 + i] = (cur - left) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The PNG bytes of one entry of IMAGES. */
function drawPng(img) {
  return encodePng(img.width, img.height, draw(img.width, img.height, img.mark));
}

function main() {
  // --check: draw in memory and fail if a committed PNG differs (CI and the archive test use it).
  const check = process.argv.includes('--check');
  if (!check) fs.mkdirSync(OUT_DIR, { recursive: true });
  const stale = [];
  for (const img of IMAGES) {
    const png = drawPng(img);
    const file = path.join(OUT_DIR, img.file);
    if (check) {
      if (!fs.existsSync(file) || !fs.readFileSync(file).equals(png)) stale.push(img.file);
      continue;
    }
    fs.writeFileSync(file, png);
    console.log(`${img.file} ${img.width}x${img.height} ${png.length} bytes`);
  }
  if (stale.length) {
    console.error(`make-images: out of date: ${stale.join(', ')} (run node scripts/make-images.js)`);
    process.exit(1);
  }
}

if (require.main === module) main();

module.exports = { IMAGES, drawPng };
