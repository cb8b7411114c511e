/**
 * A small RFC 4180 CSV reader for `npm run import` (no dependency for 60 lines): comma-separated fields,
 * records ended by CRLF or LF, fields in double quotes may hold commas, line breaks and `""` (one quote).
 * It is fed the file in chunks of any size (a record may straddle two) and hands back each complete record with
 * the line it starts on, so a rejected row can be named by its line in the file.
 *
 * Lenient where real exports are sloppy and nothing is lost: a lone LF ends a record like CRLF, a quote inside
 * an unquoted field is kept as a character, a line with nothing on it is no record, a leading BOM is dropped.
 * Strict where guessing would corrupt data: text after a closing quote, or a quote still open at the end.
 */
export interface CsvRecord {
  /** The 1-based line of the file the record starts on. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export class CsvReader {
  private fields: string[] = [];
  private field = '';
  /** Inside a quoted field; `afterQuote`: a quote just closed it (or is the first half of `""`). */
  private quoted = false;
  private afterQuote = false;
  /** Something was read on this record (so an empty line is no record, while `""` is one empty field). */
  private started = false;
  private line = 1;
  private recordLine = 1;
  private pendingCr = false;
  private first = true;

  /** Reads a chunk; returns the records it completed. */
  feed(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (const ch of text) {
      // A CR counts only as the first half of CRLF; a lone CR is kept as a character.
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch !== '\n') this.char('\r', out);
      }
      if (ch === '\r' && !this.quoted) {
        this.pendingCr = true;
        continue;
      }
      this.char(ch, out);
    }
    return out;
  }

  /** Ends the input; returns the last record if the file did not end with a line break. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.pendingCr) this.char('\n', out);
    if (this.quoted) throw new CsvError(this.recordLine, 'a quoted field is never closed');
    if (this.started) this.endRecord(out);
    return out;
  }

  private char(ch: string, out: CsvRecord[]): void {
    if (this.quoted) {
      if (ch === '"') {
        this.quoted = false;
        this.afterQuote = true;
        return;
      }
      if (ch === '\n') this.line += 1;
      this.field += ch;
      return;
    }
    if (this.afterQuote) {
      this.afterQuote = false;
      // `""` inside a quoted field is one quote, and the field goes on.
      if (ch === '"') {
        this.field += '"';
        this.quoted = true;
        return;
      }
      if (ch !== ',' && ch !== '\n')
        throw new CsvError(this.line, `unexpected ${JSON.stringify(ch)} after a closing quote`);
    }
    if (ch === ',') {
      this.started = true;
      this.fields.push(this.field);
      this.field = '';
    } else if (ch === '\n') {
      if (this.started) this.endRecord(out);
      this.line += 1;
      this.recordLine = this.line;
    } else if (ch === '"' && this.field === '') {
      // A quote opens a field only as its first character; after text it is a plain character.
      this.started = true;
      this.quoted = true;
    } else {
      this.started = true;
      this.field += ch;
    }
  }

  private endRecord(out: CsvRecord[]): void {
    this.fields.push(this.field);
    out.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.field = '';
    this.started = false;
    this.afterQuote = false;
  }
}

/** All records of a whole text (tests, small files). */
export function parseCsv(text: string): CsvRecord[] {
  const reader = new CsvReader();
  return [...reader.feed(text), ...reader.end()];
}
