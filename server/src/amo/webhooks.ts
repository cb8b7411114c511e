import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit';
import type { Config } from '../config';
import type { Db, Tx } from '../db/pool';
import { queueVendorCompanyRecreate } from '../pins/pin.service';
import type { AmoApi } from './amo.client';
import { AmoError } from './amo.errors';
import { backoffMs } from './amo.rules';
import * as repo from './amo.repository';
import { drainClaimed } from './claimed';
import type { AmoVendorDirectory, VendorCompanyField } from './vendor-directory';
import { parseWebhook, type CompanyWebhookEvent } from './webhook.form';

export interface WebhookDeps {
  db: Db;
  config: Config;
  api: AmoApi;
  field: VendorCompanyField;
  directory: AmoVendorDirectory;
  log: Logger;
}

const MAX_ATTEMPTS = 8;

/**
 * Processes stored CRM webhooks of the vendor's account. What matters to the program:
 * - a client's company was deleted in amoCRM → it is created again (the client is still pinned, sales must
 *   see it), and admins are told;
 * - a client company's account-id field was changed or cleared → flagged for admins (we cannot know which
 *   value is right), and the known-customer cache forgets both accounts;
 * - any other company change → the cache forgets the accounts it names, so rule 9 sees new companies at once.
 */
export async function processWebhooks(
  deps: WebhookDeps,
  options: { leaseMs: number; backoff: { baseMs: number; capMs: number }; signal?: AbortSignal },
): Promise<number> {
  return drainClaimed(
    () => repo.claimWebhookEvents(deps.db, 20, options.leaseMs),
    (event) => processWebhookEvent(deps, event, options.backoff),
    options.signal,
  );
}

/** One stored webhook event: true when it was processed (not ignored, failed or left for a retry). */
async function processWebhookEvent(
  deps: WebhookDeps,
  event: repo.WebhookEventRow,
  backoff: { baseMs: number; capMs: number },
): Promise<boolean> {
  const { db, log } = deps;
  try {
    const parsed = parseWebhook(event.body);
    if (parsed.accountId !== deps.config.vendorAccountId) {
      await repo.finishWebhookEvent(db, event.id, {
        status: 'ignored',
        note: 'not from the vendor account',
      });
      return false;
    }
    for (const company of parsed.companyEvents) await handleCompanyEvent(deps, company, event.id);
    await repo.finishWebhookEvent(db, event.id, { status: 'processed' });
    return true;
  } catch (error) {
    const message = error instanceof AmoError ? error.message : String((error as Error)?.message ?? error);
    const retryable = !(error instanceof AmoError) || error.retryable || error.name === 'AmoBlockedError';
    if (retryable && event.attempts < MAX_ATTEMPTS) {
      await repo.finishWebhookEvent(db, event.id, {
        retryInMs: backoffMs(event.attempts, backoff, Math.random()),
        error: message,
      });
    } else {
      await repo.finishWebhookEvent(db, event.id, { status: 'failed', note: message });
      log.warn(
        { webhookEventId: String(event.id), err: { message } },
        'webhook event could not be processed',
      );
    }
    return false;
  }
}

async function handleCompanyEvent(
  deps: WebhookDeps,
  event: CompanyWebhookEvent,
  eventId: bigint,
): Promise<void> {
  const { db, api, config, directory, field, log } = deps;
  const vendor = config.vendorAccountId;
  const mapping = await repo.findVendorCompanyByCompanyId(db, event.companyId);

  if (event.action === 'delete') {
    if (!mapping) return;
    // Webhooks are unsigned (only the URL is secret): believe a deletion only when amoCRM confirms it.
    if ((await api.getCompany(vendor, event.companyId)) !== null) return;
    const client = Number(mapping.client_account_id);
    directory.invalidate(client);
    await db.transaction().execute(async (trx) => {
      await repo.setVendorCompany(trx, client, null);
      const recreated = await queueVendorCompanyRecreate(trx, client, event.companyId, vendor);
      await repo.raiseAlert(trx, {
        accountId: vendor,
        kind: 'company_deleted',
        message: recreated
          ? `The company ${event.companyId} of pinned client ${client} was deleted in amoCRM; it is being created again.`
          : `The company ${event.companyId} of client ${client} was deleted in amoCRM; the client has no active pin, so it is not re-created.`,
        details: { clientAccountId: client, companyId: event.companyId, recreated },
        dedupeKey: `company_deleted:${event.companyId}`,
      });
      await auditCompany(trx, vendor, 'amo.company_deleted', event.companyId, {
        clientAccountId: client,
        recreated,
        webhookEventId: String(eventId),
      });
    });
    log.info({ companyId: event.companyId, client }, 'vendor company deleted in amoCRM');
    return;
  }

  const fieldId = await field.get({ priority: 'background' });
  const values = (event.customFields.find((f) => f.id === fieldId)?.values ?? [])
    .map((v) => v.trim())
    .filter((v) => /^[1-9][0-9]{0,15}$/.test(v))
    .map(Number);
  for (const id of values) directory.invalidate(id);
  if (!mapping) return;
  const client = Number(mapping.client_account_id);
  directory.invalidate(client);
  if (values.includes(client)) {
    if (mapping.state === 'mismatch') await repo.setVendorCompanyState(db, client, 'active');
    return;
  }
  await db.transaction().execute(async (trx) => {
    await repo.setVendorCompanyState(trx, client, 'mismatch');
    await repo.raiseAlert(trx, {
      accountId: vendor,
      kind: 'company_account_changed',
      message:
        `The account-id field of company ${event.companyId} (client ${client}) was changed in amoCRM to ` +
        `${values.length > 0 ? values.join(', ') : 'nothing'}. Check which is right; "resync" writes ${client} back.`,
      details: { clientAccountId: client, companyId: event.companyId, found: values },
      dedupeKey: `company_account_changed:${event.companyId}`,
    });
    await auditCompany(trx, vendor, 'amo.company_account_changed', event.companyId, {
      clientAccountId: client,
      found: values,
      webhookEventId: String(eventId),
    });
  });
}

/** The audit row of a change amoCRM made to a company of the vendor's (a webhook we acted on). */
async function auditCompany(
  trx: Tx,
  vendorAccountId: number,
  action: string,
  companyId: number,
  details: Record<string, unknown>,
): Promise<void> {
  await recordAudit(
    trx,
    { kind: 'amocrm', accountId: vendorAccountId },
    action,
    { type: 'amo_company', id: String(companyId) },
    details,
  );
}
