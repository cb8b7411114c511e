import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit';
import type { Db } from '../db/pool';
import { listPendingChecks } from '../pins/pin.service';
import { decidePendingCheck } from '../pins/pin.service';
import { vendorKnowledge, type VendorCrmDirectory } from '../pins/vendor-knowledge';
import type { AmoCompany } from './amo';
import type { AmoApi, CallOptions } from './amo.client';
import { AmoNotConnectedError } from './amo.errors';
import { CLIENT_ACCOUNT_FIELD_CODE, CLIENT_ACCOUNT_FIELD_NAME, clientAccountIdsOfCompany } from './amo.rules';
import * as repo from './amo.repository';

/**
 * The company custom field in the vendor's amoCRM that holds a client's account id: the one named by
 * AMO_CLIENT_ACCOUNT_FIELD_ID, else one with our code or the conventional name, else one we create. Resolved
 * once per process and forgotten when amoCRM says it is gone.
 */
export class VendorCompanyField {
  private fieldId: number | undefined;
  private resolving: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      api: AmoApi;
      vendorAccountId: number;
      configuredFieldId: number | undefined;
      log: Logger;
    },
  ) {
    this.fieldId = deps.configuredFieldId;
  }

  get(options: CallOptions = {}): Promise<number> {
    if (this.fieldId !== undefined) return Promise.resolve(this.fieldId);
    this.resolving ??= this.resolve(options).finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  forget(): void {
    if (this.deps.configuredFieldId === undefined) this.fieldId = undefined;
  }

  private async resolve(options: CallOptions): Promise<number> {
    const { api, vendorAccountId, log } = this.deps;
    const fields = await api.listCompanyCustomFields(vendorAccountId, options);
    const found =
      fields.find((f) => f.code === CLIENT_ACCOUNT_FIELD_CODE) ??
      fields.find((f) => f.name.trim().toLowerCase() === CLIENT_ACCOUNT_FIELD_NAME.toLowerCase());
    if (found) {
      this.fieldId = found.id;
      return found.id;
    }
    const created = await api.createCompanyCustomFields(
      vendorAccountId,
      [
        {
          request_id: 'field',
          name: CLIENT_ACCOUNT_FIELD_NAME,
          type: 'text',
          code: CLIENT_ACCOUNT_FIELD_CODE,
          sort: 510,
        },
      ],
      options,
    );
    const id = created.get('field');
    if (id === undefined) throw new Error('amoCRM did not return the created custom field');
    log.info({ fieldId: id }, 'created the client account id field in the vendor amoCRM');
    this.fieldId = id;
    return id;
  }
}

/**
 * The vendor's amoCRM as a directory of known clients (rule 9): is there a company whose account-id field
 * equals the client's? Asked through amoCRM's full-text `query` and filtered on the field exactly. Answers
 * are cached for `ttlMs` (a burst of pins of the same account costs one request); webhooks about companies
 * drop the cached answer. Throws when amoCRM cannot be asked — the pin then waits as `pending_check`.
 */
export class AmoVendorDirectory implements VendorCrmDirectory {
  private readonly cache = new Map<number, { known: boolean; at: number }>();
  private readonly inflight = new Map<number, Promise<boolean>>();

  /** The same directory for jobs: waits behind interactive look-ups and has no short deadline. */
  readonly background: VendorCrmDirectory = {
    hasCompanyForAccount: (clientAccountId) => this.lookup(clientAccountId, { priority: 'background' }),
  };

  constructor(
    private readonly deps: {
      api: AmoApi;
      field: VendorCompanyField;
      vendorAccountId: number;
      ttlMs: number;
      /** How long a partner's pin request may wait for amoCRM before the pin goes to `pending_check`. */
      interactiveDeadlineMs: number;
      /**
       * true (production): a vendor account that is not connected cannot be asked, so pins wait. false
       * (development, tests): it has no companies, so a fresh server can pin from our own records alone.
       */
      connectionRequired: boolean;
    },
  ) {}

  hasCompanyForAccount(clientAccountId: number): Promise<boolean> {
    return this.lookup(clientAccountId, {
      priority: 'interactive',
      deadline: Date.now() + this.deps.interactiveDeadlineMs,
    });
  }

  clientAccountFieldId(): Promise<number | undefined> {
    // Known after the first answer (or from AMO_CLIENT_ACCOUNT_FIELD_ID); a widget never waits long for it.
    return this.deps.field
      .get({ priority: 'interactive', deadline: Date.now() + this.deps.interactiveDeadlineMs })
      .catch(() => undefined);
  }

  private lookup(clientAccountId: number, options: CallOptions): Promise<boolean> {
    const cached = this.cache.get(clientAccountId);
    if (cached && Date.now() - cached.at < this.deps.ttlMs) return Promise.resolve(cached.known);
    let running = this.inflight.get(clientAccountId);
    if (!running) {
      running = this.companiesForAccount(clientAccountId, options)
        .then((companies) => {
          this.remember(clientAccountId, companies.length > 0);
          return companies.length > 0;
        })
        .finally(() => this.inflight.delete(clientAccountId));
      this.inflight.set(clientAccountId, running);
    }
    if (this.deps.connectionRequired) return running;
    return running.catch((error: unknown) => {
      if (error instanceof AmoNotConnectedError) return false;
      throw error;
    });
  }

  /** Companies in the vendor's amoCRM whose account-id field holds exactly this client account id. */
  async companiesForAccount(clientAccountId: number, options: CallOptions = {}): Promise<AmoCompany[]> {
    const fieldId = await this.deps.field.get(options);
    const found = await this.deps.api.searchCompanies(this.deps.vendorAccountId, String(clientAccountId), {
      ...options,
      maxPages: 4,
    });
    return found.filter((company) => clientAccountIdsOfCompany(company, fieldId).includes(clientAccountId));
  }

  remember(clientAccountId: number, known: boolean): void {
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(clientAccountId, { known, at: Date.now() });
  }

  invalidate(clientAccountId: number): void {
    this.cache.delete(clientAccountId);
  }
}

/**
 * Decides pins that wait as `pending_check` because the vendor's amoCRM could not be asked when they were
 * made: to `pinned` (a new client; its company is queued) or `pending_client_request` (an existing customer).
 * Stops at the first look-up that fails again — amoCRM is still unreachable, the rest wait for the next run.
 */
export async function decidePendingChecks(
  deps: { db: Db; directory: VendorCrmDirectory; vendorAccountId: number; log: Logger },
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<{ pinned: number; waiting: number; stillPending: number }> {
  const { db, log } = deps;
  const rows = await listPendingChecks(db, options.limit ?? 100);
  let pinned = 0;
  let waiting = 0;
  for (const [index, pin] of rows.entries()) {
    if (options.signal?.aborted) return { pinned, waiting, stillPending: rows.length - index };
    const clientAccountId = Number(pin.client_account_id);
    // Rule 9's sources in vendorKnowledge's order: our own records first, then the vendor's amoCRM.
    let knowledge: 'new' | 'known' =
      (await vendorKnowledge(db, clientAccountId, undefined)) === 'known' ? 'known' : 'new';
    if (knowledge === 'new') {
      try {
        knowledge = (await deps.directory.hasCompanyForAccount(clientAccountId)) ? 'known' : 'new';
      } catch (error) {
        if (error instanceof AmoNotConnectedError) {
          // A vendor account that was never connected is an admin's job to fix, not a passing outage.
          await repo.raiseAlert(db, {
            accountId: deps.vendorAccountId,
            kind: 'vendor_not_connected',
            message:
              'Pins wait for the known-customer check because the vendor amoCRM account is not connected: ' +
              'install the widget in the vendor account.',
          });
        }
        log.info(
          { err: { message: (error as Error).message } },
          'vendor amoCRM still unreachable; pins keep waiting',
        );
        return { pinned, waiting, stillPending: rows.length - index };
      }
    }
    const decided = await db.transaction().execute(async (trx) => {
      const updated = await decidePendingCheck(trx, pin.id, knowledge, deps.vendorAccountId);
      if (!updated) return undefined;
      await recordAudit(
        trx,
        { kind: 'system' },
        'pin.vendor_check_decided',
        { type: 'pin', id: pin.id },
        {
          clientAccountId,
          status: updated.status,
          reason: updated.reason,
        },
      );
      return updated;
    });
    if (decided?.status === 'pinned') pinned += 1;
    else if (decided) waiting += 1;
    if (decided)
      log.info({ pinId: pin.id, status: decided.status }, 'pending pin decided after the vendor check');
  }
  return { pinned, waiting, stillPending: 0 };
}
