/**
 * Development only: the widget host page (widget/host/) and the built widget (dist/widget/).
 *
 *   GET /dev/host/             the page that emulates the amoCRM widget runtime (see widget/host/host.js)
 *   GET /dev/host/config.json  the integration id and SECRET, token audience, vendor account, admin ids —
 *                              the page signs X-Auth-Tokens with them exactly as amoCRM would
 *   GET /dev/widget/*          manifest.json, script.js, i18n/*.json, images/* as packed into widget.zip
 *
 * It hands the client secret to the browser, so it must never run in production: server.ts mounts it only
 * with DEV_HOST_PAGE=1 (which loadConfig refuses in production and next to secrets from the environment),
 * this function refuses to build under NODE_ENV=production, and the config is served only to a loopback
 * socket whose request carries no forwarding header.
 */
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';

export interface DevHostOptions {
  amoClientId: string;
  amoClientSecret: string;
  /** The `aud` of widget tokens: scheme://host of AMO_REDIRECT_URI. */
  tokenAudience: string;
  vendorAccountId: number;
  adminUserIds: number[];
  /** The built widget, normally `<repo>/dist/widget`. */
  widgetDir: string;
  /** The host page files, normally `<repo>/widget/host`. */
  hostDir: string;
}

/** Config is for the developer's own browser; a dev server bound to 0.0.0.0 must not hand out the secret. */
function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Headers a proxy adds. A reverse proxy on the same machine connects from loopback, so the socket address
 * alone would hand the secret to anyone on the internet behind it: any sign of forwarding is a refusal.
 */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
];

function isDirectLoopback(req: Request): boolean {
  return (
    isLoopback(req.socket.remoteAddress) && FORWARDING_HEADERS.every((h) => req.headers[h] === undefined)
  );
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  // Rebuilt files must be picked up on the next reload.
  res.setHeader('Cache-Control', 'no-store');
  next();
}

export function devHostRouter(opts: DevHostOptions): express.Router {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('devHostRouter serves the amoCRM client secret and must not be mounted in production');
  }
  const router = express.Router();
  const staticOptions = {
    fallthrough: false,
    index: ['index.html'],
    redirect: true,
    dotfiles: 'deny' as const,
  };

  // The page uses relative URLs (host.js, config.json), so it must be addressed with its trailing slash.
  router.get('/dev/host', (req, res, next) => {
    const [pathname = '', search] = req.originalUrl.split('?', 2);
    if (pathname.endsWith('/')) return next();
    res.redirect(301, `${pathname}/${search === undefined ? '' : `?${search}`}`);
  });

  router.get('/dev/host/config.json', noStore, (req, res) => {
    if (!isDirectLoopback(req)) {
      res.status(403).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        code: 'forbidden',
        detail:
          'The dev host config (it contains the client secret) is served only to a browser on this machine, not through a proxy.',
      });
      return;
    }
    res.json({
      clientId: opts.amoClientId,
      clientSecret: opts.amoClientSecret,
      tokenAudience: opts.tokenAudience,
      vendorAccountId: opts.vendorAccountId,
      adminUserIds: opts.adminUserIds,
      widgetBase: '/dev/widget',
    });
  });

  router.use('/dev/host', noStore, express.static(path.resolve(opts.hostDir), staticOptions));
  router.use(
    '/dev/widget',
    noStore,
    express.static(path.resolve(opts.widgetDir), { ...staticOptions, index: false }),
  );

  return router;
}
