import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/**
 * Shared PDF plumbing: the bundled DejaVu fonts (the PDF standard fonts have no Cyrillic), the
 * document factory with fixed metadata, and a bordered table that breaks across pages.
 */

export type Pdf = PDFKit.PDFDocument;

export const FONT_REGULAR = 'DejaVuSans';
export const FONT_BOLD = 'DejaVuSans-Bold';

const FONT_FILES = {
  [FONT_REGULAR]: 'DejaVuSans.ttf',
  [FONT_BOLD]: 'DejaVuSans-Bold.ttf',
} as const;

const FONTS_RELATIVE_DIR = path.join('server', 'assets', 'fonts');

let fontsDirCache: string | undefined;

/**
 * The fonts live in `server/assets/fonts` of the project. This module runs from
 * `server/src/documents` (tests, ts tooling) and from `dist/server/src/documents` (swc build), so
 * walk up to the project root — the folder with package.json that holds the fonts — instead of
 * trusting a fixed number of `..`.
 */
export function fontsDir(): string {
  if (fontsDirCache) return fontsDirCache;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, FONTS_RELATIVE_DIR);
    if (
      fs.existsSync(path.join(dir, 'package.json')) &&
      fs.existsSync(path.join(candidate, FONT_FILES[FONT_REGULAR]))
    ) {
      fontsDirCache = candidate;
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`Fonts not found: no ${FONTS_RELATIVE_DIR} above ${__dirname}`);
    }
    dir = parent;
  }
}

const fontCache = new Map<string, Buffer>();

function fontData(name: keyof typeof FONT_FILES): Buffer {
  let data = fontCache.get(name);
  if (!data) {
    data = fs.readFileSync(path.join(fontsDir(), FONT_FILES[name]));
    fontCache.set(name, data);
  }
  return data;
}

export interface PdfOptions {
  title: string;
  author: string;
  subject?: string;
  /** Stamped as both CreationDate and ModDate: with it fixed, equal input renders equal bytes. */
  createdAt: Date;
  layout?: 'portrait' | 'landscape';
  margins?: { top: number; bottom: number; left: number; right: number };
  /** Keep pages in memory so page numbers can be written at the end. */
  bufferPages?: boolean;
}

export function createPdf(options: PdfOptions): Pdf {
  const doc = new PDFDocument({
    size: 'A4',
    layout: options.layout ?? 'portrait',
    margins: options.margins ?? { top: 40, bottom: 40, left: 45, right: 40 },
    bufferPages: options.bufferPages ?? false,
    lang: 'ru-RU',
    displayTitle: true,
    // Starting with a bundled font keeps pdfkit from loading Helvetica, which has no Cyrillic.
    font: path.join(fontsDir(), FONT_FILES[FONT_REGULAR]),
    info: {
      Title: options.title,
      Author: options.author,
      ...(options.subject ? { Subject: options.subject } : {}),
      Creator: 'amo-partners',
      Producer: 'amo-partners (PDFKit)',
      CreationDate: options.createdAt,
      ModDate: options.createdAt,
    },
  });
  doc.registerFont(FONT_REGULAR, fontData(FONT_REGULAR));
  doc.registerFont(FONT_BOLD, fontData(FONT_BOLD));
  doc.font(FONT_REGULAR);
  return doc;
}

/** Runs `draw` on the document, ends it and resolves with the whole file. */
export function renderToBuffer(doc: Pdf, draw: (doc: Pdf) => void): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw(doc);
      doc.end();
    } catch (error) {
      reject(error);
    }
  });
}

export const COLOR_TEXT = '#000000';
export const COLOR_MUTED = '#555555';
export const COLOR_RULE = '#000000';
export const COLOR_HEADER_FILL = '#EEEEEE';

/** The lowest y that content may reach on the current page. */
export function contentBottom(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom;
}

export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

export function hline(doc: Pdf, x1: number, x2: number, y: number, lineWidth = 0.5): void {
  doc.save().lineWidth(lineWidth).strokeColor(COLOR_RULE).moveTo(x1, y).lineTo(x2, y).stroke().restore();
}

export interface TableColumn {
  header: string;
  width: number;
  align?: 'left' | 'center' | 'right';
}

export interface TableRow {
  cells: string[];
  bold?: boolean;
  fill?: string;
}

export interface TableOptions {
  x: number;
  y: number;
  columns: TableColumn[];
  rows: TableRow[];
  fontSize?: number;
  headerFontSize?: number;
  padding?: number;
  /** Called after a page break; returns the y where the table goes on. */
  onPageBreak?: () => number;
}

/**
 * Draws a bordered table with a shaded header row. A row that does not fit goes to a new page,
 * where the header is repeated. Returns the y under the table.
 */
export function drawTable(doc: Pdf, options: TableOptions): number {
  const fontSize = options.fontSize ?? 9;
  const headerFontSize = options.headerFontSize ?? fontSize;
  const padding = options.padding ?? 4;
  const totalWidth = options.columns.reduce((sum, column) => sum + column.width, 0);

  const rowHeight = (cells: string[], font: string, size: number): number => {
    doc.font(font).fontSize(size);
    let height = 0;
    options.columns.forEach((column, index) => {
      const text = cells[index] ?? '';
      const textHeight = text ? doc.heightOfString(text, { width: column.width - 2 * padding }) : size;
      height = Math.max(height, textHeight);
    });
    return height + 2 * padding;
  };

  const drawRow = (
    cells: string[],
    y: number,
    height: number,
    font: string,
    size: number,
    fill?: string,
    header = false,
  ): void => {
    let x = options.x;
    if (fill) {
      doc.save().rect(options.x, y, totalWidth, height).fill(fill).restore();
    }
    doc.font(font).fontSize(size).fillColor(COLOR_TEXT);
    options.columns.forEach((column, index) => {
      doc.save().lineWidth(0.5).strokeColor(COLOR_RULE).rect(x, y, column.width, height).stroke().restore();
      const text = cells[index] ?? '';
      if (text) {
        const textHeight = doc.heightOfString(text, { width: column.width - 2 * padding });
        // Header captions are centred in their cell; body text sits at the top like in 1C forms.
        const top = header ? y + (height - textHeight) / 2 : y + padding;
        doc.text(text, x + padding, top, {
          width: column.width - 2 * padding,
          align: header ? 'center' : (column.align ?? 'left'),
          lineBreak: true,
        });
      }
      x += column.width;
    });
  };

  const headerCells = options.columns.map((column) => column.header);
  const headerHeight = rowHeight(headerCells, FONT_BOLD, headerFontSize);
  let y = options.y;

  const newPage = (): void => {
    doc.addPage();
    y = options.onPageBreak ? options.onPageBreak() : doc.page.margins.top;
    drawRow(headerCells, y, headerHeight, FONT_BOLD, headerFontSize, COLOR_HEADER_FILL, true);
    y += headerHeight;
  };

  const firstRowHeight = options.rows[0]
    ? rowHeight(options.rows[0].cells, options.rows[0].bold ? FONT_BOLD : FONT_REGULAR, fontSize)
    : 0;
  if (y + headerHeight + firstRowHeight > contentBottom(doc)) {
    newPage();
  } else {
    drawRow(headerCells, y, headerHeight, FONT_BOLD, headerFontSize, COLOR_HEADER_FILL, true);
    y += headerHeight;
  }

  for (const row of options.rows) {
    const font = row.bold ? FONT_BOLD : FONT_REGULAR;
    const height = rowHeight(row.cells, font, fontSize);
    if (y + height > contentBottom(doc)) newPage();
    drawRow(row.cells, y, height, font, fontSize, row.fill);
    y += height;
  }

  doc.font(FONT_REGULAR);
  return y;
}

/**
 * Writes «Страница N из M» at the bottom of every buffered page. The bottom margin is lifted while
 * writing so pdfkit does not treat the footer as overflow and add a page.
 */
export function numberPages(doc: Pdf, label: (page: number, total: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index++) {
    doc.switchToPage(index);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(FONT_REGULAR)
      .fontSize(7.5)
      .fillColor(COLOR_MUTED)
      .text(
        label(index - range.start + 1, range.count),
        doc.page.margins.left,
        doc.page.height - bottom + 12,
        {
          width: contentWidth(doc),
          align: 'right',
          lineBreak: false,
        },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor(COLOR_TEXT);
}
