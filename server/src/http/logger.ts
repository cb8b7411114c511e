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

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
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
