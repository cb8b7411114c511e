import type { Config } from './config';

/**
 * What `npm start` prints once it listens: where to click. On a terminal these lines are printed as they
 * are; otherwise (a service manager, a log collector) `main.ts` logs the same URLs as one JSON line.
 */
export function startBanner(
  config: Config,
  url: string,
  /** The PUBLIC_URL dist/widget.zip was built with ('' none, undefined unknown: dist/widget-build.json). */
  widgetBuiltFor: string | undefined,
): string[] {
  const local = url.replace('localhost', '127.0.0.1');
  const database = config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL, data in ${config.dataDir}`;
  return [
    '',
    `  amo-partners is running (${config.env})`,
    '',
    `  API             ${url}/api/v1/openapi.json   (the OpenAPI document)`,
    `  Health          ${url}/health`,
    config.devHostPage
      ? `  Widget, locally ${local}/dev/host/   (amoCRM emulation: partner, client, staff, admin)`
      : `  Widget, locally off — start with DEV_HOST_PAGE=1 to open it at ${local}/dev/host/`,
    widgetBuiltFor
      ? `  Widget archive  dist/widget.zip calls ${widgetBuiltFor}: upload it to amoCRM, nothing to type at install`
      : `  Widget archive  dist/widget.zip has no server address: PUBLIC_URL=https://… npm run build before uploading it`,
    `  Database        ${database}`,
    '',
    '  Stop with Ctrl+C.',
    '',
  ];
}
