import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/src/config';

describe('amoCRM configuration', () => {
  it('completes a development secrets file written before AMO_WEBHOOK_SECRET existed, keeping its values', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amop-config-'));
    const file = path.join(dir, 'dev-secrets.json');
    const old = {
      AMO_CLIENT_ID: '6a1f3e0c-1111-4222-8333-944445555666',
      AMO_CLIENT_SECRET: 'an-old-development-secret',
      AMO_REDIRECT_URI: 'http://localhost:3000/amo/oauth/callback',
      VENDOR_ACCOUNT_ID: '1000001',
      BILLING_API_KEY: 'an-old-billing-key-0123',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    writeFileSync(file, JSON.stringify(old));
    const { config, warnings } = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(config.amo.clientSecret).toBe(old.AMO_CLIENT_SECRET);
    expect(config.amo.webhookSecret).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      ...old,
      AMO_WEBHOOK_SECRET: config.amo.webhookSecret,
    });
    expect(warnings.join(' ')).toContain('AMO_WEBHOOK_SECRET');
    // Read again: the same secret, nothing rewritten.
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir }).config.amo.webhookSecret).toBe(
      config.amo.webhookSecret,
    );
  });

  it('requires the webhook secret in production and validates the optional field id', () => {
    const production = {
      NODE_ENV: 'production',
      AMO_CLIENT_ID: '6a1f3e0c-1111-4222-8333-944445555666',
      AMO_CLIENT_SECRET: 'a-production-secret-value',
      AMO_REDIRECT_URI: 'https://partners.example.ru/amo/oauth/callback',
      VENDOR_ACCOUNT_ID: '1000001',
      BILLING_API_KEY: 'a-production-billing-key',
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    expect(() => loadConfig(production)).toThrow(/AMO_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ...production, AMO_WEBHOOK_SECRET: 'short' })).toThrow(ConfigError);
    const { config } = loadConfig({
      ...production,
      AMO_WEBHOOK_SECRET: 'w'.repeat(32),
      AMO_CLIENT_ACCOUNT_FIELD_ID: '1071235',
    });
    expect(config.amo).toMatchObject({ webhookSecret: 'w'.repeat(32), clientAccountFieldId: 1071235 });
    expect(() =>
      loadConfig({ ...production, AMO_WEBHOOK_SECRET: 'w'.repeat(32), AMO_CLIENT_ACCOUNT_FIELD_ID: 'x' }),
    ).toThrow(/AMO_CLIENT_ACCOUNT_FIELD_ID/);
  });
});
