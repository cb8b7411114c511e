import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { sql } from 'kysely';
import { ACCOUNT_ORIGIN } from '../amo/amo.rules';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { statusOf, toProblem } from './errors';
import { loggableError } from '../logger';
import { buildOpenApi } from './openapi';
import { jsonReplacer, mountRoutes, newRequestId, type RouteSpec } from './route';

/** amoCRM and Kommo account pages (every account domain, amocrm.com too): the only browser origins allowed. */
export const AMO_ORIGIN = ACCOUNT_ORIGIN;

export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The Express application: request id and access log, CORS for amoCRM origins, a size-limited JSON
 * parser, the routes, and one error handler that answers problem+json.
 */
export function createApp(
  app: AppContext,
  routes: RouteSpec<any, any, any>[],
  extra?: (server: Express) => void,
): Express {
  const server = express();
  server.disable('x-powered-by');
  server.set('trust proxy', 'loopback');
  server.set('json replacer', jsonReplacer);

  server.use(requestLog(app));
  // Hot public GETs first: a click through a partner link needs no CORS, no body parser, and no walk past
  // the hundred routes below.
  const hot = express.Router();
  mountRoutes(
    hot,
    routes.filter((r) => r.hot),
    app,
  );
  server.use(hot);
  server.use(
    cors({
      origin: (origin, done) => done(null, origin !== undefined && AMO_ORIGIN.test(origin)),
      allowedHeaders: ['X-Auth-Token', 'Content-Type', 'Idempotency-Key'],
      exposedHeaders: ['Idempotency-Replayed', 'X-Request-Id', 'X-Verify-Url'],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
    }),
  );
  server.use(
    express.json({
      limit: BODY_LIMIT_BYTES,
      type: ['application/json', 'application/*+json'],
      // PostgreSQL text cannot hold NUL; refuse it at the door rather than fail deep inside a transaction.
      verify: (_req, _res, raw) => {
        if (raw.includes('\\u0000'))
          throw Object.assign(new Error('NUL character in body'), { type: 'nul.character', status: 400 });
      },
    }),
  );

  server.get('/health', async (_req, res) => {
    try {
      await sql`SELECT 1`.execute(app.db);
      res.json({ status: 'ok' });
    } catch {
      res
        .status(503)
        .type('application/problem+json')
        .json(toProblem(new AppError('database_unavailable')));
    }
  });

  const router = express.Router();
  mountRoutes(
    router,
    routes.filter((r) => !r.hot),
    app,
  );
  server.use(router);

  const openApi = buildOpenApi(routes, { version: '1', serverUrl: app.config.publicUrl });
  server.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  extra?.(server);

  server.use((req, _res, next) => next(new AppError('not_found', `No route for ${req.method} ${req.path}`)));
  server.use(errorHandler(app));
  return server;
}

function requestLog(app: AppContext): RequestHandler {
  return (req, res, next) => {
    const id = newRequestId(req);
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', id);
    res.locals.requestId = id;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The path only: query strings can carry OAuth codes, and bodies can carry personal data.
      app.log.info(
        {
          reqId: id,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}

/** PostgreSQL unreachable or shutting down: the caller should retry later (503), not see a 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      '57P01',
      '57P02',
      '57P03',
      '08006',
      '08001',
      '08003',
    ].includes(e?.code ?? '') ||
    /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i.test(
      e?.message ?? '',
    )
  );
}

function errorHandler(app: AppContext): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let appError: AppError;
    const e = error as { type?: string; status?: number };
    if (error instanceof AppError) appError = error;
    else if (e?.type === 'entity.parse.failed')
      appError = new AppError('malformed_json', 'The request body is not valid JSON');
    else if (e?.type === 'entity.too.large')
      appError = new AppError('payload_too_large', `The body must be at most ${BODY_LIMIT_BYTES} bytes`);
    else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      appError = new AppError('unsupported_media_type', 'Send UTF-8 JSON');
    else if (e?.type === 'nul.character')
      appError = new AppError('validation_failed', 'Text must not contain the NUL character (\\u0000)');
    else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
      appError = new AppError('validation_failed', 'The request could not be read');
    else if (/^22[0-9A-Z]{3}$/.test((error as { code?: string })?.code ?? '')) {
      // SQLSTATE class 22 (data exception): text, a number or a date the database cannot take. The edge
      // checks name the field for the known cases; whatever slips past them is still the input's fault.
      appError = new AppError(
        'validation_failed',
        'A value in the request cannot be stored (bad character, or a number or date out of range)',
      );
    } else if (isDatabaseUnavailable(error)) {
      appError = new AppError('database_unavailable', 'The database is unavailable; retry later');
      app.log.warn(
        { reqId: res.locals.requestId, path: req.path, err: { message: (error as Error).message } },
        'database unavailable',
      );
    } else {
      appError = new AppError(
        'internal_error',
        'Something went wrong on our side; the request id identifies it in our logs',
      );
      app.log.error(
        { reqId: res.locals.requestId, path: req.path, err: loggableError(error) },
        'unhandled error',
      );
    }
    if (statusOf(appError) === 503) res.set('Retry-After', '5');
    if (statusOf(appError) === 413) {
      // The rest of the oversized body is still on the wire, unread: on a keep-alive connection the next
      // request would wait behind it. Node closes the connection after a response with this header.
      res.set('Connection', 'close');
    }
    res
      .status(statusOf(appError))
      .type('application/problem+json')
      .json(toProblem(appError, res.locals.requestId as string));
  };
}
