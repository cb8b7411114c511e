// The app's config for tests and benchmarks: fresh secrets each time, nothing read from the environment.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../server/src/config';

export const VENDOR_ACCOUNT_ID = 1000001;
export const ADMIN_USER_ID = 7;

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    port: 0,
    databaseUrl: undefined,
    dataDir: '/tmp/amop-test-data',
    amo: {
      clientId: randomUUID(),
      clientSecret: randomBytes(32).toString('base64url'),
      redirectUri: 'https://partners.example.test/amo/oauth/callback',
      tokenAudience: 'https://partners.example.test',
      apiOrigin: undefined,
    },
    vendorAccountId: VENDOR_ACCOUNT_ID,
    adminUserIds: [ADMIN_USER_ID],
    billingApiKey: randomBytes(24).toString('base64url'),
    encryptionKey: randomBytes(32),
    publicUrl: 'http://localhost',
    logLevel: 'info',
    ...overrides,
  };
}
