import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PRESET, PRESET_NAMES, type PresetName } from './programs/program';

/** Everything the server reads from the environment, validated once at start (API.md, "Configuration"). */
export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Unset → the embedded PostgreSQL is started with its data in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  amo: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    /** The expected `aud` of widget tokens: the origin (scheme://host) of the redirect URI. */
    tokenAudience: string;
    /** Optional origin all amoCRM API and OAuth calls go to (tests, proxies). */
    apiOrigin: string | undefined;
    /**
     * The secret path segment of the CRM webhook URL (`/amo/webhooks/<secret>`): amoCRM does not sign
     * webhooks. Always set by `loadConfig`; optional in the type so hand-built configs (tests) may omit it,
     * which turns the webhook endpoint off.
     */
    webhookSecret?: string;
    /**
     * The vendor's company custom field that holds the client's account id. Unset: the integration finds
     * (or creates) a text field named «ID аккаунта клиента» with code AMOP_CLIENT_ACCOUNT_ID.
     */
    clientAccountFieldId?: number;
  };
  vendorAccountId: number;
  adminUserIds: number[];
  billingApiKey: string;
  /** 32 bytes for AES-256-GCM (personal data and OAuth tokens at rest). */
  encryptionKey: Buffer;
  /** Public base URL of this server, used in links we print (certificate verification, logs). */
  publicUrl: string;
  /**
   * Serve the widget dev host page (`/dev/host/`), which hands the integration secret to a local browser:
   * only with DEV_HOST_PAGE=1, never in production, never with secrets from the environment.
   */
  devHostPage?: boolean;
  logLevel: string;
  /** The preset stored as the program on a database that has none yet (`PROGRAM_PRESET`, default leadsender). */
  programPreset?: PresetName;
  /** Server processes `npm start` runs on this machine (`WEB_CONCURRENCY`, default: the cores, at most 4). */
  webConcurrency?: number;
}

const positiveInt = z.coerce.number().int().positive();
const idList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const ids = parts.map(Number);
    if (ids.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of positive integers' });
      return z.NEVER;
    }
    return ids;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  AMO_CLIENT_ID: z.string().uuid().optional(),
  AMO_CLIENT_SECRET: z.string().min(16).optional(),
  AMO_REDIRECT_URI: z.string().url().optional(),
  AMO_API_ORIGIN: z.string().url().optional(),
  AMO_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{24,128}$/, 'must be 24–128 URL-safe characters (A–Z, a–z, 0–9, _ and -)')
    .optional(),
  AMO_CLIENT_ACCOUNT_FIELD_ID: positiveInt.optional(),
  VENDOR_ACCOUNT_ID: positiveInt.optional(),
  ADMIN_USER_IDS: idList,
  BILLING_API_KEY: z.string().min(16).optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes encoded in base64')
    .optional(),
  PUBLIC_URL: z.string().url().optional(),
  DEV_HOST_PAGE: z
    .enum(['0', '1', 'false', 'true'], { message: 'must be 1 (on) or 0 (off)' })
    .optional()
    .transform((v) => v === '1' || v === 'true'),
  PROGRAM_PRESET: z.enum(PRESET_NAMES).default(DEFAULT_PRESET),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Each process holds up to 14 connections (its pool of 10 and agenda's 4): docs/OPERATIONS.md. More than a
  // handful per machine only adds connections, not speed.
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(16).optional(),
});

export class ConfigError extends Error {}

/** The file in DATA_DIR that keeps the generated development secrets (`npm run import` reads its billing key). */
export const DEV_SECRETS_FILE = 'dev-secrets.json';

/** The secrets a production start refuses to go without. */
const REQUIRED_SECRETS = [
  'AMO_CLIENT_ID',
  'AMO_CLIENT_SECRET',
  'AMO_REDIRECT_URI',
  'AMO_WEBHOOK_SECRET',
  'VENDOR_ACCOUNT_ID',
  'BILLING_API_KEY',
  'ENCRYPTION_KEY',
] as const;

/** Secrets whose presence in the environment means a real deployment: no dev host page next to them. */
const DEV_HOST_REFUSES = [
  'AMO_CLIENT_SECRET',
  'AMO_WEBHOOK_SECRET',
  'BILLING_API_KEY',
  'ENCRYPTION_KEY',
] as const;

type DevSecrets = Record<(typeof REQUIRED_SECRETS)[number], string>;

/**
 * Reads and validates the environment. In development, missing secrets are generated once and kept in
 * `DATA_DIR/dev-secrets.json` (so tokens and encrypted data survive restarts); `warnings` says so loudly.
 * With NODE_ENV=production any missing secret is an error naming every missing variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: Config; warnings: string[] } {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const warnings: string[] = [];
  const dataDir = path.resolve(e.DATA_DIR);

  if (e.DEV_HOST_PAGE) {
    // The page gives the client secret to whoever loads it: a development convenience with throwaway secrets.
    if (e.NODE_ENV === 'production') {
      throw new ConfigError(
        'DEV_HOST_PAGE=1 is refused with NODE_ENV=production: the page hands out the integration secret.',
      );
    }
    const real = DEV_HOST_REFUSES.filter((name) => e[name] !== undefined);
    if (real.length > 0) {
      throw new ConfigError(
        `DEV_HOST_PAGE=1 is refused with ${real.join(', ')} set in the environment: the page hands the integration ` +
          'secret to the browser, so it runs only on the generated development secrets (unset them, or unset DEV_HOST_PAGE).',
      );
    }
  }

  const missing = REQUIRED_SECRETS.filter((name) => e[name] === undefined);
  let generated: Partial<DevSecrets> = {};
  if (missing.length > 0) {
    if (e.NODE_ENV === 'production') {
      throw new ConfigError(
        `Missing required configuration for production: ${missing.join(', ')}. ` +
          'Set them in the environment (see README, "Configuration").',
      );
    }
    generated = devSecrets(dataDir);
    warnings.push(
      `Development secrets generated for ${missing.join(', ')} and kept in ${path.join(dataDir, DEV_SECRETS_FILE)}. ` +
        'Never use them in production.',
    );
  }
  if (e.ADMIN_USER_IDS.length === 0 && e.NODE_ENV !== 'production') {
    warnings.push('ADMIN_USER_IDS is not set: user 1 of the vendor account is an admin in development.');
  }
  const pick = (name: (typeof REQUIRED_SECRETS)[number]): string => String(e[name] ?? generated[name]);

  const port = e.PORT;
  const redirectUri = pick('AMO_REDIRECT_URI');
  return {
    warnings,
    config: {
      env: e.NODE_ENV,
      port,
      databaseUrl: e.DATABASE_URL,
      dataDir,
      amo: {
        clientId: pick('AMO_CLIENT_ID'),
        clientSecret: pick('AMO_CLIENT_SECRET'),
        redirectUri,
        tokenAudience: new URL(redirectUri).origin,
        apiOrigin: e.AMO_API_ORIGIN,
        webhookSecret: pick('AMO_WEBHOOK_SECRET'),
        clientAccountFieldId: e.AMO_CLIENT_ACCOUNT_FIELD_ID,
      },
      vendorAccountId: Number(pick('VENDOR_ACCOUNT_ID')),
      // In development a vendor admin must exist to try the admin pages: user 1 of the vendor account.
      adminUserIds: e.ADMIN_USER_IDS.length === 0 && e.NODE_ENV !== 'production' ? [1] : e.ADMIN_USER_IDS,
      billingApiKey: pick('BILLING_API_KEY'),
      encryptionKey: Buffer.from(pick('ENCRYPTION_KEY'), 'base64'),
      publicUrl: e.PUBLIC_URL ?? `http://localhost:${port}`,
      programPreset: e.PROGRAM_PRESET,
      logLevel: e.LOG_LEVEL,
      devHostPage: e.DEV_HOST_PAGE,
      webConcurrency: e.WEB_CONCURRENCY ?? Math.min(4, os.availableParallelism()),
    },
  };
}

function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, DEV_SECRETS_FILE);
  const fresh = (): DevSecrets => ({
    AMO_CLIENT_ID: randomUUID(),
    AMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    AMO_REDIRECT_URI: 'http://localhost:3000/amo/oauth/callback',
    AMO_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
    VENDOR_ACCOUNT_ID: '1000001',
    BILLING_API_KEY: randomBytes(24).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  // A file from before a secret was added lacks it: keep the old values and add the new ones.
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>) : {};
  const secrets: DevSecrets = { ...fresh(), ...stored };
  if (REQUIRED_SECRETS.every((name) => stored[name] !== undefined)) return secrets;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
