import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { DEV_SECRETS_FILE } from '../config';
import { CsvError, CsvReader } from './csv';
import { checkHeader, csvRowToBody, jsonlLineToBody, RowError } from './rows';

/**
 * `npm run import -- <file.csv|file.jsonl>`: sends a file of billing payments to `POST /api/v1/payments/batch`
 * in batches, two in flight, and says what became of every row (docs/OPERATIONS.md, "Importing billing history").
 *
 * Correctness rests on the server alone: every payment is idempotent by its externalId, so sending a row twice
 * records it once. The progress file next to the input (`<input>.import-state.json`, the lines fully answered)
 * only spares a rerun the rows already answered; lost, stale or deleted, it costs time, never money.
 */

/** Most items one request carries: the route's limit. */
export const MAX_BATCH_ITEMS = 1000;
/**
 * Most bytes one request's JSON carries: the server refuses bodies over 256 KiB (http/app.ts), and a
 * thousand payments with payer details can exceed it, so a batch closes at whichever limit comes first.
 */
export const MAX_BATCH_BYTES = 240 * 1024;
const RETRIES = 6;

export interface ImportOptions {
  file: string;
  url: string;
  key: string;
  format: 'csv' | 'jsonl';
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Stop after this many batches (a trial run, or a test of resuming); the rest is for the next run. */
  maxBatches?: number;
  /** Ignore the progress file and send every row again (the server replays what it has). */
  restart?: boolean;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Between the plain progress lines when stderr is not a terminal. */
  progressEveryMs?: number;
}

export interface ImportSummary {
  created: number;
  replayed: number;
  /** Rows refused, by the server or before sending; `rejectedBefore` of them by an earlier run. */
  rejected: number;
  rejectedBefore: number;
  /** Rows an earlier run already had answered (the progress file), not sent again. */
  skipped: number;
  seconds: number;
  /** Stopped by `maxBatches` before the end of the file. */
  stopped: boolean;
  rejectedFile: string;
}

/** The run cannot go on (usage, unreachable server, refused key): one sentence, exit code 2. */
export class ImportFatal extends Error {}

interface Row {
  /** The line the row starts on, and the line it ends on (a CSV record may span lines). */
  line: number;
  endLine: number;
  externalId: string | null;
  body?: Record<string, unknown>;
  /** Refused before sending (unreadable row). */
  refused?: Rejection;
}

interface Rejection {
  line: number;
  externalId: string | null;
  status: number;
  code?: string;
  reason: string;
  errors?: Array<{ path: string; message: string }>;
}

interface Problem {
  status: number;
  code?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

interface ItemAnswer {
  status: number;
  result?: unknown;
  problem?: Problem;
}

interface State {
  size: number;
  mtimeMs: number;
  /** Every row ending on or before this line has been answered by the server (or refused before sending). */
  linesDone: number;
}

const externalIdOf = (body: Record<string, unknown> | undefined) =>
  typeof body?.externalId === 'string' ? body.externalId : null;

/** The rows of the file, in order, each with its lines; an unreadable row carries its refusal instead. */
async function* readRows(file: string, format: 'csv' | 'jsonl'): AsyncGenerator<Row> {
  if (format === 'jsonl') {
    const lines = readline.createInterface({
      input: createReadStream(file, { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    let line = 0;
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      try {
        const body = jsonlLineToBody(text);
        yield { line, endLine: line, externalId: externalIdOf(body), body };
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        yield refusedRow(line, line, null, `line ${error.message}`);
      }
    }
    return;
  }
  const reader = new CsvReader();
  let header: string[] | undefined;
  const rowsOf = function* (records: ReturnType<CsvReader['feed']>): Generator<Row> {
    for (const record of records) {
      const endLine = record.line + record.fields.reduce((n, f) => n + (f.split('\n').length - 1), 0);
      if (!header) {
        try {
          header = checkHeader(record.fields);
        } catch (error) {
          throw new ImportFatal(`${file}: ${(error as Error).message}.`);
        }
        continue;
      }
      try {
        const body = csvRowToBody(header, record.fields);
        yield { line: record.line, endLine, externalId: externalIdOf(body), body };
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        const id = record.fields[header.indexOf('externalId')] || null;
        yield refusedRow(record.line, endLine, id, `row ${error.message}`);
      }
    }
  };
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 }))
      yield* rowsOf(reader.feed(chunk as string));
    yield* rowsOf(reader.end());
  } catch (error) {
    if (error instanceof CsvError)
      throw new ImportFatal(`${file}: not a readable CSV file (${error.message}).`);
    throw error;
  }
}

function refusedRow(line: number, endLine: number, externalId: string | null, reason: string): Row {
  return { line, endLine, externalId, refused: { line, externalId, status: 400, reason } };
}

/** Why a row was refused, in one line of text with each field path. */
function reasonOf(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  return [problem.detail ?? problem.code ?? `status ${problem.status}`, ...fields].join('; ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one batch and answers each of its rows, splitting it when too large and retrying when the server asks. */
async function sendBatch(options: ImportOptions, rows: Row[]): Promise<ItemAnswer[]> {
  if (rows.length === 0) return [];
  const body = JSON.stringify({ items: rows.map((r) => r.body) });
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${options.url}/api/v1/payments/batch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.key}` },
        body,
      });
    } catch (error) {
      if (attempt >= RETRIES)
        throw new ImportFatal(
          `The server at ${options.url} stopped answering (${causeOf(error)}); run the import again to resume.`,
        );
      await sleep(500 * 2 ** attempt);
      continue;
    }
    const text = await response.text();
    const answer = parseJson(text) as { results?: ItemAnswer[] } & Problem;
    if (response.status === 200 && Array.isArray(answer?.results)) return answer.results;
    if ([429, 502, 503, 504].includes(response.status) && attempt < RETRIES) {
      const retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
      await sleep(Math.min(Math.max(retryAfterMs, 500 * 2 ** attempt), 10_000));
      continue;
    }
    if (response.status === 413 && rows.length > 1) {
      const half = Math.ceil(rows.length / 2);
      return [
        ...(await sendBatch(options, rows.slice(0, half))),
        ...(await sendBatch(options, rows.slice(half))),
      ];
    }
    if (response.status === 401 || response.status === 403)
      throw new ImportFatal(
        `The server at ${options.url} refused the billing key (${response.status}); pass --key or set BILLING_API_KEY.`,
      );
    if (response.status === 400) {
      // The edge refuses a whole batch for text no item may carry (a lone UTF-16 surrogate), naming the item:
      // that item is answered with the problem and the rest is sent again.
      const named = new Map<number, Problem>();
      for (const e of answer?.errors ?? []) {
        const match = /^items\.(\d+)\.?(.*)$/.exec(e.path);
        if (match)
          named.set(Number(match[1]), {
            status: 400,
            code: answer.code,
            detail: answer.detail,
            errors: [{ path: match[2] || '(item)', message: e.message }],
          });
      }
      if (named.size > 0) {
        const rest = rows.filter((_, i) => !named.has(i));
        const restAnswers = await sendBatch(options, rest);
        let next = 0;
        return rows.map((_, i) =>
          named.has(i) ? { status: 400, problem: named.get(i) } : restAnswers[next++]!,
        );
      }
    }
    throw new ImportFatal(
      `The server answered ${response.status} to a batch (${answer?.detail ?? text.slice(0, 200)}); the rows before it are imported, run again after fixing this.`,
    );
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const causeOf = (error: unknown): string => {
  const e = error as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
};

/** A progress bar on a terminal; a plain line every few seconds otherwise (a log file, CI). */
class Progress {
  private lastDraw = 0;
  private readonly started = Date.now();
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly total: number,
    private readonly everyMs: number,
  ) {}

  update(done: number, final = false): void {
    const now = Date.now();
    const tty = this.out.isTTY === true;
    if (!final && now - this.lastDraw < (tty ? 100 : this.everyMs)) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? Math.max(this.total - done, 0) / rate : NaN;
    const share = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const figures =
      `${done}/${this.total} (${Math.floor(share * 100)}%), ${Math.round(rate)}/s` +
      (Number.isFinite(left) && !final ? `, ETA ${formatSeconds(left)}` : '');
    if (tty) {
      const width = 30;
      const filled = Math.round(share * width);
      this.out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}`);
      if (final) this.out.write('\n');
    } else {
      this.out.write(`import: ${figures}\n`);
    }
  }
}

const formatSeconds = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${Math.ceil(s)}s`;

function loadState(stateFile: string, input: { size: number; mtimeMs: number }): number {
  if (!existsSync(stateFile)) return 0;
  const state = parseJson(readFileSync(stateFile, 'utf8')) as Partial<State> | undefined;
  // Another file under the same name (edited, appended, replaced) starts from the top: replays are harmless.
  if (state?.size !== input.size || state.mtimeMs !== input.mtimeMs) return 0;
  return Number.isSafeInteger(state.linesDone) && state.linesDone! > 0 ? state.linesDone! : 0;
}

/** Written aside and renamed into place, so a crash mid-write leaves the old state, never half a file. */
function saveState(stateFile: string, state: State): void {
  writeFileSync(`${stateFile}.tmp`, JSON.stringify({ ...state, updatedAt: new Date().toISOString() }) + '\n');
  renameSync(`${stateFile}.tmp`, stateFile);
}

/**
 * The rejected rows an earlier run wrote for lines it finished; a row written after the state was last saved
 * is dropped, since this run answers its line again.
 */
function keepRejected(rejectedFile: string, linesDone: number): number {
  if (!existsSync(rejectedFile)) return 0;
  const kept = readFileSync(rejectedFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => ((parseJson(l) as { line?: number } | undefined)?.line ?? Infinity) <= linesDone);
  writeFileSync(rejectedFile, kept.map((l) => l + '\n').join(''));
  return kept.length;
}

/** Imports one file; see the module comment. Throws `ImportFatal` when it cannot go on. */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const stderr = options.stderr ?? process.stderr;
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH_ITEMS, MAX_BATCH_ITEMS);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const stateFile = `${options.file}.import-state.json`;
  const rejectedFile = `${options.file}.rejected.jsonl`;
  if (!existsSync(options.file)) throw new ImportFatal(`There is no file ${options.file}.`);
  const input = statSync(options.file);
  const fingerprint = { size: input.size, mtimeMs: input.mtimeMs };

  await checkReachable(options.url);
  const skipThrough = options.restart ? 0 : loadState(stateFile, fingerprint);
  const rejectedBefore = keepRejected(rejectedFile, skipThrough);

  // A first pass counts the rows for the progress bar and finds an unreadable file before anything is sent.
  let total = 0;
  let skipped = 0;
  for await (const row of readRows(options.file, options.format)) {
    if (row.endLine <= skipThrough) skipped += 1;
    else total += 1;
  }
  const progress = new Progress(stderr, total, options.progressEveryMs ?? 5000);
  const counts = { created: 0, replayed: 0, rejected: 0, done: 0 };

  // Batches finish in any order; the state moves only over the answered prefix of the file.
  let nextToAck = 0;
  const finished = new Map<number, { rows: Row[]; answers: Map<Row, ItemAnswer | Rejection> }>();
  const acknowledge = async () => {
    while (finished.has(nextToAck)) {
      const { rows, answers } = finished.get(nextToAck)!;
      finished.delete(nextToAck);
      nextToAck += 1;
      const rejections: Rejection[] = [];
      for (const row of rows) {
        const answer = answers.get(row)!;
        if ('reason' in answer) rejections.push(answer);
        else if (answer.status === 201) counts.created += 1;
        else if (answer.status === 200) counts.replayed += 1;
        else
          rejections.push({
            line: row.line,
            externalId: row.externalId,
            status: answer.status,
            code: answer.problem?.code,
            reason: reasonOf(answer.problem ?? { status: answer.status }),
            ...(answer.problem?.errors ? { errors: answer.problem.errors } : {}),
          });
      }
      counts.rejected += rejections.length;
      counts.done += rows.length;
      // The rejected rows are on disk before the state passes their lines: a crash in between repeats them.
      if (rejections.length > 0)
        await appendFile(rejectedFile, rejections.map((r) => JSON.stringify(r) + '\n').join(''));
      saveState(stateFile, { ...fingerprint, linesDone: rows[rows.length - 1]!.endLine });
      progress.update(counts.done);
    }
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let dispatched = 0;
  const dispatch = (rows: Row[]) => {
    const seq = dispatched++;
    const toSend = rows.filter((r) => !r.refused);
    const task = sendBatch(options, toSend)
      .then(async (results) => {
        const answers = new Map<Row, ItemAnswer | Rejection>();
        toSend.forEach((row, i) => answers.set(row, results[i] ?? { status: 0 }));
        for (const row of rows) if (row.refused) answers.set(row, row.refused);
        finished.set(seq, { rows, answers });
        await acknowledge();
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  let batch: Row[] = [];
  let batchItems = 0;
  let batchBytes = 0;
  let stopped = false;
  for await (const row of readRows(options.file, options.format)) {
    if (row.endLine <= skipThrough) continue;
    if (failure) break;
    const bytes = row.body ? Buffer.byteLength(JSON.stringify(row.body)) + 1 : 0;
    if (batchItems > 0 && (batchItems >= batchSize || batchBytes + bytes > MAX_BATCH_BYTES)) {
      if (options.maxBatches !== undefined && dispatched >= options.maxBatches) {
        stopped = true;
        batch = [];
        break;
      }
      dispatch(batch);
      batch = [];
      batchItems = 0;
      batchBytes = 0;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    batch.push(row);
    if (row.body) {
      batchItems += 1;
      batchBytes += bytes;
    }
  }
  if (batch.length > 0 && !failure) {
    if (options.maxBatches !== undefined && dispatched >= options.maxBatches) stopped = true;
    else dispatch(batch);
  }
  while (inFlight.size > 0) await Promise.race(inFlight);
  if (failure) {
    if (stderr.isTTY) stderr.write('\n');
    throw failure;
  }
  progress.update(counts.done, true);
  return {
    created: counts.created,
    replayed: counts.replayed,
    rejected: counts.rejected + rejectedBefore,
    rejectedBefore,
    skipped,
    seconds: (Date.now() - started) / 1000,
    stopped,
    rejectedFile,
  };
}

async function checkReachable(url: string): Promise<void> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new ImportFatal(`Cannot reach the server at ${url} (${causeOf(error)}); is it running?`);
  }
}

const USAGE =
  'usage: npm run import -- <file.csv|file.jsonl> [--url http://localhost:3000] [--key <billing key>] ' +
  '[--format csv|jsonl] [--batch-size 1..1000] [--concurrency n] [--max-batches n] [--restart]';

/** The billing key: `--key`, else BILLING_API_KEY, else the development secrets the server generated. */
function billingKey(given: string | undefined, env: NodeJS.ProcessEnv): string {
  if (given) return given;
  if (env.BILLING_API_KEY) return env.BILLING_API_KEY;
  const file = path.resolve(env.DATA_DIR ?? './.data', DEV_SECRETS_FILE);
  const secrets = existsSync(file)
    ? (parseJson(readFileSync(file, 'utf8')) as { BILLING_API_KEY?: string } | undefined)
    : undefined;
  if (secrets?.BILLING_API_KEY) return secrets.BILLING_API_KEY;
  throw new ImportFatal(
    `No billing key: pass --key, set BILLING_API_KEY, or start the server once in development so ${file} exists.`,
  );
}

function positive(value: string | undefined, name: string, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw new ImportFatal(`--${name} must be a whole number from 1 to ${max}.\n${USAGE}`);
  return n;
}

/** The command: parses argv, runs the import, prints the summary; returns the exit code (0, 1 or 2). */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } } = process,
): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          url: { type: 'string' },
          key: { type: 'string' },
          format: { type: 'string' },
          'batch-size': { type: 'string' },
          concurrency: { type: 'string' },
          'max-batches': { type: 'string' },
          restart: { type: 'boolean', default: false },
        },
      });
    } catch (error) {
      throw new ImportFatal(`${(error as Error).message}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new ImportFatal(`Name one file to import.\n${USAGE}`);
    const file = positionals[0]!;
    const format =
      values.format ?? (/\.csv$/i.test(file) ? 'csv' : /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : undefined);
    if (format !== 'csv' && format !== 'jsonl')
      throw new ImportFatal(
        `Cannot tell the format of ${file}: name it .csv or .jsonl, or pass --format.\n${USAGE}`,
      );
    const summary = await runImport({
      file,
      format,
      url: (values.url ?? `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, ''),
      key: billingKey(values.key, env),
      batchSize: positive(values['batch-size'], 'batch-size', MAX_BATCH_ITEMS),
      concurrency: positive(values.concurrency, 'concurrency', 16),
      maxBatches: positive(values['max-batches'], 'max-batches'),
      restart: values.restart,
      stderr: io.stderr,
    });
    const sent = summary.created + summary.replayed + summary.rejected - summary.rejectedBefore;
    io.stdout.write(
      `${path.basename(file)}: ${summary.created} created, ${summary.replayed} replayed, ${summary.rejected} rejected` +
        (summary.rejectedBefore > 0 ? ` (${summary.rejectedBefore} by an earlier run)` : '') +
        `, ${summary.skipped} skipped (imported by an earlier run), in ${summary.seconds.toFixed(1)} s` +
        (summary.seconds > 0 && sent > 0 ? ` (${Math.round(sent / summary.seconds)} rows/s)` : '') +
        (summary.rejected > 0 ? `; rejected rows in ${summary.rejectedFile}` : '') +
        (summary.stopped ? '; stopped by --max-batches: run again to continue' : '') +
        '\n',
    );
    return summary.rejected > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ImportFatal)) throw error;
    io.stderr.write(`import: ${error.message}\n`);
    return 2;
  }
}
