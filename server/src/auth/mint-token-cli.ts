import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { mintAmoToken } from './amo-token';

/**
 * `npm run token -- --account 123 --user 5 [--subdomain name] [--kommo]`: prints an X-Auth-Token signed
 * exactly as amoCRM signs it, with this server's configured integration secret. For local use with curl:
 *   curl -H "X-Auth-Token: $(npm run -s token -- --account 123 --user 5)" localhost:3000/api/v1/partner
 */
const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    user: { type: 'string', default: '1' },
    subdomain: { type: 'string' },
    kommo: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '30' },
  },
});
const accountId = Number(values.account);
const userId = Number(values.user);
const minutes = Number(values.minutes);
// The server refuses a lifetime over amoCRM's 30 minutes, so a longer one would mint a useless token.
if (
  !Number.isSafeInteger(accountId) ||
  accountId <= 0 ||
  !Number.isSafeInteger(userId) ||
  userId <= 0 ||
  !(minutes > 0 && minutes <= 30)
) {
  process.stderr.write(
    'usage: npm run token -- --account <amoCRM account id> --user <user id> [--subdomain s] [--kommo] [--minutes 1..30]\n',
  );
  process.exit(2);
}
const { config } = loadConfig();
const token = mintAmoToken(
  {
    clientId: config.amo.clientId,
    clientSecret: config.amo.clientSecret,
    audience: config.amo.tokenAudience,
  },
  {
    accountId,
    userId,
    subdomain: values.subdomain ?? `account${accountId}`,
    domain: values.kommo ? 'kommo.com' : 'amocrm.ru',
  },
  { expiresInSeconds: Math.round(minutes * 60) },
);
process.stdout.write(token + '\n');
