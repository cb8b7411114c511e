import pino, { type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]". Request bodies are never logged at all (they may hold passport
 * data); these cover headers with credentials and any object that carries secrets or personal data.
 */
export const REDACT_PATHS = [
  'req.headers["x-auth-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.passport',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
];

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
};

/**
 * One JSON log line as a person reads it: `12:03:04.567 INFO  message key=value …`, an error's stack on the
 * lines below. Redaction has already happened (pino redacts before it writes), so this only rearranges.
 */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const { level, time, msg, err, ...rest } = entry;
  const [label, code] = LEVELS[Number(level)] ?? [String(level), '0'];
  const paint = (c: string, text: string) => (color ? `\x1b[${c}m${text}\x1b[0m` : text);
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest).map(
    ([k, v]) => `${paint('2', `${k}=`)}${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`,
  );
  let out = [paint('2', clock), paint(code, label), msg === undefined ? '' : String(msg), ...fields]
    .filter(Boolean)
    .join(' ');
  const stack = err && typeof err === 'object' ? (err as { stack?: unknown }).stack : undefined;
  if (typeof stack === 'string') out += '\n' + stack.replace(/^/gm, '    ');
  return out + '\n';
}

/** Writes each log line in `prettyLine`'s form to `out`. */
export function prettyDestination(
  out: { write(s: string): unknown },
  color: boolean,
): pino.DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line, color)) };
}

/**
 * Where the server's JSON lines go when stdout is not a terminal: fd 1 written asynchronously. Every request
 * logs a line, and one synchronous write per line was a tenth of the CPU of a partner link's redirect;
 * asynchronous writes join the lines that arrive while one is being written, and add no delay when idle.
 * pino flushes what is left when the process exits (a kill -9 can lose the last lines of that instant).
 */
export function asyncDestination(dest: number | string = 1): pino.DestinationStream {
  return pino.destination({ dest, sync: false });
}

/**
 * The app's logger: JSON lines (for collectors), or readable lines when it writes to a terminal.
 * `stdout` is the stream written to when no `destination` is given (process.stdout; a test passes its own).
 */
export function createLogger(options: {
  level: string;
  destination?: pino.DestinationStream;
  stdout?: { write(s: string): unknown; isTTY?: boolean };
}): Logger {
  const stdout = options.stdout ?? process.stdout;
  const destination =
    options.destination ??
    (stdout.isTTY
      ? prettyDestination(stdout, !process.env.NO_COLOR)
      : options.stdout
        ? { write: (line: string) => void stdout.write(line) }
        : asyncDestination());
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * What of an unexpected error goes to the log: its kind, SQLSTATE, constraint and stack, never the values
 * it carries. A PostgreSQL error's `detail` and `where` quote the offending row or the rejected JSON (bank
 * requisites, passport data), and its message may quote a value, so quoted text is masked.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const e = error as Error & Record<string, unknown>;
  const mask = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '"…"');
  const out: Record<string, unknown> = { type: e.name, message: mask(e.message) };
  for (const key of ['code', 'constraint', 'table', 'column', 'routine'] as const) {
    if (typeof e[key] === 'string') out[key] = e[key];
  }
  if (e.stack) {
    // The stack's first line repeats the message; the frames say where without saying what.
    out.stack = [out.message, ...e.stack.split('\n').filter((line) => /^\s+at /.test(line))].join('\n');
  }
  return out;
}
