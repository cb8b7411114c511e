import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';

/**
 * pdf.js parses in a worker that it loads with a dynamic `import()`, which Jest refuses without
 * --experimental-vm-modules. Loading the worker module up front (Jest transforms it to CommonJS)
 * registers `globalThis.pdfjsWorker`, and pdf.js then parses on the main thread instead.
 */
function ensurePdfWorker(): void {
  if ((globalThis as { pdfjsWorker?: unknown }).pdfjsWorker) return;
  const workerPath = path.join(path.dirname(require.resolve('pdf-parse')), 'pdf.worker.mjs');
  require(workerPath);
}

/**
 * Test helper: the text and metadata of a generated PDF, read back with a real PDF parser, so the
 * tests check what a reader of the document sees rather than what the renderer meant to draw.
 */
export interface ExtractedPdf {
  /** All text, whitespace (including no-break spaces) collapsed to single spaces. */
  text: string;
  /** The text as the parser laid it out, one entry per line, trimmed. */
  lines: string[];
  pageCount: number;
  info: Record<string, unknown>;
}

export async function extractPdf(pdf: Buffer): Promise<ExtractedPdf> {
  ensurePdfWorker();
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    const result = await parser.getText({ pageJoiner: '' });
    const info = await parser.getInfo();
    const raw = result.text;
    return {
      text: raw.replace(/\s+/gu, ' ').trim(),
      lines: raw
        .split('\n')
        .map((line) => line.replace(/\s+/gu, ' ').trim())
        .filter(Boolean),
      pageCount: result.total,
      info: (info.info ?? {}) as Record<string, unknown>,
    };
  } finally {
    await parser.destroy();
  }
}

/** Collapses whitespace the same way as `extractPdf`, for expected strings built with formatters. */
export function normalizeSpaces(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** Renders the document twice at once: equal bytes mean no clock, randomness or shared state leaks in. */
export async function rendersTheSameBytes(render: () => Promise<Buffer>): Promise<boolean> {
  const [first, second] = await Promise.all([render(), render()]);
  return first.equals(second);
}

/** Samples go to DOCUMENTS_SAMPLE_DIR (or the temp folder) for a visual check: pdftoppm -png -r 60 <file> out */
export const SAMPLE_DIR = process.env.DOCUMENTS_SAMPLE_DIR ?? os.tmpdir();

/** Writes a sample PDF into SAMPLE_DIR as `name` and reads the file back, as a reader would open it. */
export async function writeSamplePdf(name: string, pdf: Buffer): Promise<ExtractedPdf> {
  fs.writeFileSync(path.join(SAMPLE_DIR, name), pdf);
  return extractPdf(fs.readFileSync(path.join(SAMPLE_DIR, name)));
}
