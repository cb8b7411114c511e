/**
 * Runs the fake amoCRM by hand for local development (`npm run fake-amo`).
 *
 * Environment:
 *   FAKE_AMO_PORT      port to listen on (default 3100)
 *   FAKE_AMO_HOST      interface (default 127.0.0.1)
 *   AMO_CLIENT_ID, AMO_CLIENT_SECRET, AMO_REDIRECT_URI
 *                      the integration, the same values the backend uses; without AMO_REDIRECT_URI any
 *                      redirect_uri is accepted
 *   VENDOR_ACCOUNT_ID  the demo vendor account (default 1000001, subdomain "vendor")
 *
 * Point the backend at it with AMO_API_ORIGIN=http://127.0.0.1:3100. Control endpoints:
 *   GET  /_fake/state                      companies, tasks, notes and counters per account
 *   POST /_fake/accounts                   {"id":30412345,"subdomain":"partner"} adds an account
 *   POST /_fake/accounts/:id/code          issues an authorization code
 *   POST /_fake/accounts/:id/install       issues a code and calls the redirect URI with it, like amoCRM
 *   POST /_fake/accounts/:id/block|unblock|unpaid|paid
 *   POST /_fake/reset
 */
import { startFakeAmo } from './fake-amocrm';

async function main(): Promise<void> {
  const port = Number(process.env.FAKE_AMO_PORT ?? 3100);
  const vendorAccountId = Number(process.env.VENDOR_ACCOUNT_ID ?? 1000001);
  const fake = await startFakeAmo({
    port,
    host: process.env.FAKE_AMO_HOST ?? '127.0.0.1',
    clientId: process.env.AMO_CLIENT_ID || undefined,
    clientSecret: process.env.AMO_CLIENT_SECRET || undefined,
    redirectUri: process.env.AMO_REDIRECT_URI || undefined,
  });
  fake.addAccount({ id: vendorAccountId, subdomain: 'vendor' });

  const defaulted = !process.env.AMO_CLIENT_ID || !process.env.AMO_CLIENT_SECRET;
  console.log(
    `fake amoCRM on ${fake.url}: set AMO_API_ORIGIN=${fake.url}; vendor account ${vendorAccountId} (vendor.amocrm.ru); ` +
      `get an auth code with "curl -X POST ${fake.url}/_fake/accounts/${vendorAccountId}/code"; state at ${fake.url}/_fake/state` +
      (defaulted
        ? `; AMO_CLIENT_ID/AMO_CLIENT_SECRET unset, using "${fake.clientId}" / "${fake.clientSecret}"`
        : ''),
  );

  const stop = () => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('fake amoCRM failed to start:', error);
  process.exit(1);
});
