import type { Logger } from 'pino';
import { chunksOf } from '../chunks';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { loggableError } from '../logger';
import * as outbox from '../outbox/outbox';
import { findPartnerById } from '../partners/partner.service';
import { findPin, listClientPinsWithPartner } from '../pins/pin.service';
import { findQuestionForTask } from '../questions/question.service';
import type { AmoApi } from './amo.client';
import {
  AmoApiError,
  AmoBlockedError,
  AmoConnectionBrokenError,
  AmoError,
  AmoNotConnectedError,
  AmoResponseError,
  AmoUnavailableError,
} from './amo.errors';
import {
  companyCreate,
  companyNoteText,
  companyUpdate,
  questionTaskText,
  renewalTaskText,
  backoffMs,
  type ClientState,
  type PinNoteEvent,
} from './amo.rules';
import * as repo from './amo.repository';
import type { AmoVendorDirectory, VendorCompanyField } from './vendor-directory';

export const VENDOR_COMPANY_SYNC = 'vendor_company.sync';
export const PARTNER_TASK_KINDS = ['partner_task.question', 'partner_task.renewal'];

export interface DeliveryOptions {
  /** Rows claimed per round, and the most items in one amoCRM write (amoCRM recommends 50). */
  batchSize: number;
  /** How long a claim protects a row from other workers; renewed while the batch is worked on. */
  leaseMs: number;
  /** Attempts before a row is given up as `failed` (with an admin alert). */
  maxAttempts: number;
  backoff: { baseMs: number; capMs: number };
  /** One run stops claiming after this long (the job runs again right away if more is due). */
  budgetMs: number;
}

export interface DeliveryDeps {
  db: Db;
  api: AmoApi;
  field: VendorCompanyField;
  directory: AmoVendorDirectory;
  config: Config;
  log: Logger;
  /** Names this worker in leases. */
  owner: string;
  options: DeliveryOptions;
  random?: () => number;
}

/**
 * Delivers due outbox rows to amoCRM, at least once and without duplicates:
 * - rows are claimed with a lease (FOR UPDATE SKIP LOCKED), renewed while they are worked on; a crashed
 *   worker's rows come back when its lease runs out;
 * - before a create request leaves, the row (or the client's company record) notes that it is about to;
 *   a retry that finds that note first looks in amoCRM for what the lost answer would have told it;
 * - batch writes carry `request_id`s that map amoCRM's answers back to rows.
 */
export class OutboxDelivery {
  /** Per account: the write batch size, halved after a 504 (AMOCRM.md: shrink the batch), regrown after writes. */
  private readonly batchSizes = new Map<number, number>();

  constructor(private readonly deps: DeliveryDeps) {}

  async run(signal?: AbortSignal): Promise<{ claimed: number }> {
    const { db, options } = this.deps;
    const started = Date.now();
    let claimed = 0;
    while (!signal?.aborted && Date.now() - started < options.budgetMs) {
      const rows = await outbox.claim(db, {
        kinds: [VENDOR_COMPANY_SYNC, ...PARTNER_TASK_KINDS],
        limit: options.batchSize,
        leaseMs: options.leaseMs,
        deliverable: repo.deliverableNow,
      });
      if (rows.length === 0) break;
      claimed += rows.length;
      const open = new Set(rows.map((r) => r.id));
      const heartbeat = setInterval(
        () => void outbox.extendLease(db, [...open], options.leaseMs).catch(() => undefined),
        Math.max(200, Math.floor(options.leaseMs / 3)),
      );
      try {
        const groups = new Map<string, outbox.OutboxRow[]>();
        for (const row of rows) {
          const key = `${row.kind === VENDOR_COMPANY_SYNC ? 'vendor' : 'task'}:${row.target_account_id}`;
          groups.set(key, [...(groups.get(key) ?? []), row]);
        }
        // Different accounts in parallel (each has its own throttle), one account's rows in order.
        await Promise.all([...groups.values()].map((group) => this.deliverGroup(group, open)));
      } finally {
        clearInterval(heartbeat);
      }
    }
    return { claimed };
  }

  private async deliverGroup(rows: outbox.OutboxRow[], open: Set<bigint>): Promise<void> {
    const done = (id: bigint) => open.delete(id);
    try {
      if (rows[0]!.kind === VENDOR_COMPANY_SYNC) await this.syncVendorCompanies(rows, done);
      else await this.createPartnerTasks(rows, done);
    } catch (error) {
      await this.failRows(
        rows.filter((r) => open.has(r.id)),
        error,
      );
    } finally {
      for (const row of rows) open.delete(row.id);
    }
  }

  private async failRows(rows: outbox.OutboxRow[], error: unknown): Promise<void> {
    const { db, log, options } = this.deps;
    if (rows.length === 0) return;
    const target = Number(rows[0]!.target_account_id);
    if (
      error instanceof AmoBlockedError ||
      error instanceof AmoConnectionBrokenError ||
      error instanceof AmoNotConnectedError
    ) {
      // Not the rows' fault: they wait (attempt given back) until the connection is active again, when
      // they are nudged. Claims skip rows of blocked and broken accounts, so nothing is sent meanwhile.
      await outbox.release(
        db,
        rows.map((r) => r.id),
        0,
        true,
      );
      log.info(
        { target, rows: rows.length, reason: error.name },
        'deliveries wait for the amoCRM connection',
      );
      return;
    }
    if (error instanceof AmoUnavailableError && error.status === 504)
      this.batchSizes.set(target, Math.max(1, Math.floor(this.writeBatchSize(target) / 2)));
    const message =
      error instanceof AmoError ? error.message : `unexpected: ${(error as Error)?.message ?? String(error)}`;
    if (!(error instanceof AmoError))
      log.error({ err: loggableError(error), target }, 'outbox delivery failed unexpectedly');
    else
      log.warn({ target, rows: rows.length, err: { name: error.name, message } }, 'outbox delivery failed');
    if (error instanceof AmoApiError && error.status === 400) this.deps.field.forget();
    for (const row of rows) {
      if (row.attempts >= options.maxAttempts) {
        await outbox.failAttempt(db, row.id, message, { giveUp: true });
        await repo.raiseAlert(db, {
          accountId: target,
          kind: 'delivery_failed',
          message: `amoCRM delivery ${row.kind} (${row.dedupe_key}) gave up after ${row.attempts} attempts: ${message}`,
          details: { outboxId: String(row.id), kind: row.kind, dedupeKey: row.dedupe_key },
          dedupeKey: `delivery_failed:${row.id}`,
        });
      } else {
        const retryInMs = backoffMs(row.attempts, options.backoff, (this.deps.random ?? Math.random)());
        await outbox.failAttempt(db, row.id, message, { retryInMs });
      }
    }
  }

  private writeBatchSize(target: number): number {
    return this.batchSizes.get(target) ?? this.deps.options.batchSize;
  }

  /** A write went through: the batch size grows back towards the configured one. */
  private wroteOk(target: number): void {
    const size = this.batchSizes.get(target);
    if (size === undefined) return;
    if (size * 2 >= this.deps.options.batchSize) this.batchSizes.delete(target);
    else this.batchSizes.set(target, size * 2);
  }

  // --- vendor_company.sync -----------------------------------------------------------------------------

  /**
   * One company per client in the vendor's amoCRM (rule 8): created on the client's first pin, updated on
   * later states (the partner tag follows the pin), and one note per pin event. What the company shows is
   * read from the database now, not from the row: rows may arrive late or out of order.
   */
  private async syncVendorCompanies(rows: outbox.OutboxRow[], done: (id: bigint) => void): Promise<void> {
    const { db, api, field, config, owner, options } = this.deps;
    const vendor = config.vendorAccountId;
    const clientOf = (row: outbox.OutboxRow) => Number(row.payload.clientAccountId);
    const clientIds = [...new Set(rows.map(clientOf))];

    // Another worker holding a client's lease is writing that client's company: its rows wait a moment.
    const leased = new Set(await repo.leaseVendorCompanies(db, clientIds, owner, options.leaseMs));
    const later = rows.filter((r) => !leased.has(clientOf(r)));
    await outbox.release(
      db,
      later.map((r) => r.id),
      1000,
      true,
    );
    later.forEach((r) => done(r.id));
    const mine = rows.filter((r) => leased.has(clientOf(r)));
    if (mine.length === 0) return;
    const clients = [...leased];
    try {
      const fieldId = await field.get();
      const states = await loadClientStates(db, clients);
      const companyIds = await this.ensureCompanies(clients, states, fieldId);

      // One note per row; a row whose note request may have been applied looks for its note first.
      const notes: Array<{ row: outbox.OutboxRow; companyId: number; text: string }> = [];
      const withoutCompany: outbox.OutboxRow[] = [];
      for (const row of mine) {
        const companyId = companyIds.get(clientOf(row));
        if (companyId === undefined) {
          withoutCompany.push(row);
          continue;
        }
        if (row.payload.status === 'resync') {
          // An admin's resync only puts the company right; no event happened to write a note about.
          await outbox.complete(db, row.id, 'done', { companyId });
          done(row.id);
          continue;
        }
        const text = await noteForRow(db, row);
        if (text === null) {
          await outbox.complete(db, row.id, 'skipped', { companyId, reason: 'pin_missing' });
          done(row.id);
          continue;
        }
        if (typeof row.result?.noteStartedAt === 'number') {
          const existing = await api.listCompanyNotes(vendor, companyId, { maxPages: 4 });
          const note = existing.find((n) => n.params?.text?.includes(row.dedupe_key));
          if (note) {
            await outbox.complete(db, row.id, 'done', { companyId, noteId: note.id });
            done(row.id);
            continue;
          }
        }
        notes.push({ row, companyId, text });
      }
      for (const chunk of chunksOf(notes, this.writeBatchSize(vendor))) {
        await noteWriteStarted(db, chunk, 'noteStartedAt');
        const created = await api.createCompanyNotes(
          vendor,
          chunk.map((n) => ({
            request_id: String(n.row.id),
            entity_id: n.companyId,
            note_type: 'common',
            params: { text: n.text },
          })),
        );
        for (const n of chunk) {
          const noteId = created.get(String(n.row.id));
          await outbox.complete(db, n.row.id, 'done', {
            companyId: n.companyId,
            ...(noteId ? { noteId } : {}),
          });
          done(n.row.id);
        }
        this.wroteOk(vendor);
      }
      // amoCRM's answer named no company for these clients: the next attempt looks for it first.
      await this.failRows(
        withoutCompany,
        new AmoResponseError('amoCRM did not return the created company', vendor),
      );
      withoutCompany.forEach((r) => done(r.id));
    } finally {
      await repo.releaseVendorCompanies(db, clients, owner);
    }
  }

  /**
   * Makes sure every client has its company, up to date: found again when a create's answer was lost,
   * updated when known, created otherwise. Answers client → company id.
   */
  private async ensureCompanies(
    clients: number[],
    states: Map<number, ClientState>,
    fieldId: number,
  ): Promise<Map<number, number>> {
    const { db, api, directory, config, log } = this.deps;
    const vendor = config.vendorAccountId;
    const ids = new Map<number, number>();
    for (const row of await repo.vendorCompanies(db, clients)) {
      const client = Number(row.client_account_id);
      if (row.company_id !== null) ids.set(client, Number(row.company_id));
      else if (row.create_started_at !== null) {
        // A create request for this client left earlier and its answer never came back: it may exist.
        const found = await directory.companiesForAccount(client, { priority: 'background' });
        if (found.length > 0) {
          const chosen = Math.min(...found.map((c) => c.id));
          await repo.setVendorCompany(db, client, chosen);
          ids.set(client, chosen);
          log.info({ client, companyId: chosen }, 'found the company of an unfinished create');
        }
      }
    }

    const toUpdate = clients.filter((c) => ids.has(c));
    const size = this.writeBatchSize(vendor);
    for (const chunk of chunksOf(toUpdate, size)) {
      const write = (list: number[]) =>
        api.updateCompanies(
          vendor,
          list.map(
            (c) => companyUpdate(states.get(c)!, fieldId, ids.get(c)!, String(c)) as { request_id: string },
          ),
        );
      try {
        await write(chunk);
      } catch (error) {
        if (!(error instanceof AmoApiError && error.status === 400 && error.failedRequestIds.length > 0))
          throw error;
        // A company sales deleted in amoCRM cannot be updated: it is created again below.
        const refused = error.failedRequestIds.map(Number);
        for (const client of refused) {
          if ((await api.getCompany(vendor, ids.get(client)!)) === null) {
            await repo.setVendorCompany(db, client, null);
            ids.delete(client);
          }
        }
        if (refused.some((c) => ids.has(c))) throw error;
        const rest = chunk.filter((c) => ids.has(c));
        if (rest.length > 0) await write(rest);
      }
      this.wroteOk(vendor);
      await repo.markVendorCompanySynced(
        db,
        chunk.filter((c) => ids.has(c)),
      );
    }

    const toCreate = clients.filter((c) => !ids.has(c));
    for (const chunk of chunksOf(toCreate, size)) {
      // Noted before the request leaves (and committed): see the class comment.
      await repo.markCompanyCreateStarted(db, chunk);
      const created = await api.createCompanies(
        vendor,
        chunk.map((c) => companyCreate(states.get(c)!, fieldId, String(c)) as { request_id: string }),
      );
      for (const client of chunk) {
        const companyId = created.get(String(client));
        if (companyId === undefined) continue;
        await repo.setVendorCompany(db, client, companyId);
        directory.remember(client, true);
        ids.set(client, companyId);
      }
      this.wroteOk(vendor);
    }
    return ids;
  }

  // --- partner tasks -------------------------------------------------------------------------------------

  /**
   * A task in the partner's own amoCRM (a routed question, a renewal reminder). A partner whose account is
   * not connected gets none: the question stays in the widget's inbox, the row is settled as skipped.
   */
  private async createPartnerTasks(rows: outbox.OutboxRow[], done: (id: bigint) => void): Promise<void> {
    const { db, api } = this.deps;
    const target = Number(rows[0]!.target_account_id);
    const connection = await repo.findConnection(db, target);
    if (!connection || connection.status === 'disconnected') {
      for (const row of rows) {
        await outbox.complete(db, row.id, 'skipped', { reason: 'partner_not_connected' });
        done(row.id);
      }
      return;
    }

    const tasks: Array<{ row: outbox.OutboxRow; body: { request_id: string } & Record<string, unknown> }> =
      [];
    const uncertain: outbox.OutboxRow[] = [];
    for (const row of rows) {
      const body = await taskForRow(db, row);
      if ('skip' in body) {
        await outbox.complete(db, row.id, 'skipped', { reason: body.skip });
        done(row.id);
        continue;
      }
      tasks.push({ row, body });
      if (typeof row.result?.taskStartedAt === 'number') uncertain.push(row);
    }

    if (uncertain.length > 0) {
      // Find tasks a lost answer would have named: newest first, back to a little before the first attempt.
      const since = Math.min(...uncertain.map((r) => Number(r.result!.taskStartedAt))) - 600;
      const recent = await api.recentTasks(target, {
        maxPages: 4,
        stop: (page) => page.some((t) => t.created_at < since),
      });
      for (const row of uncertain) {
        const task = recent.find((t) => t.text.includes(row.dedupe_key));
        if (!task) continue;
        await outbox.complete(db, row.id, 'done', { taskId: task.id });
        done(row.id);
        tasks.splice(
          tasks.findIndex((t) => t.row.id === row.id),
          1,
        );
      }
    }

    for (const chunk of chunksOf(tasks, this.writeBatchSize(target))) {
      await noteWriteStarted(db, chunk, 'taskStartedAt');
      const created = await api.createTasks(
        target,
        chunk.map((t) => t.body),
      );
      this.wroteOk(target);
      for (const t of chunk) {
        const taskId = created.get(t.body.request_id);
        await outbox.complete(db, t.row.id, 'done', taskId ? { taskId } : {});
        done(t.row.id);
      }
    }
  }
}

/**
 * Notes on the writes' rows, before their create request leaves (and committed), when it left in seconds: a
 * retry of a row carrying it looks in amoCRM for what the lost answer would have named, from a little before.
 */
async function noteWriteStarted(
  db: Db,
  writes: Array<{ row: outbox.OutboxRow }>,
  key: 'noteStartedAt' | 'taskStartedAt',
): Promise<void> {
  await outbox.mergeResult(
    db,
    writes.map((w) => w.row.id),
    { [key]: Math.floor(Date.now() / 1000) },
  );
}

/** The client's pins, read now: who holds it, who held it before, its subdomain. */
async function loadClientStates(db: Db, clients: number[]): Promise<Map<number, ClientState>> {
  const rows = await listClientPinsWithPartner(db, clients);
  const states = new Map<number, ClientState>();
  for (const client of clients) {
    const pins = rows.filter((r) => Number(r.client_account_id) === client);
    const current = pins.find((p) => p.status === 'pinned' || p.status === 'attributed');
    const former = pins.filter((p) => p.valid_from !== null && p !== current).map((p) => p.partner_name);
    states.set(client, {
      clientAccountId: client,
      clientSubdomain: [...pins].reverse().find((p) => p.client_subdomain)?.client_subdomain ?? null,
      currentPartnerName: current?.partner_name ?? null,
      formerPartnerNames: former,
    });
  }
  return states;
}

/** The note text for a vendor_company.sync row; null when its pin is gone. */
async function noteForRow(db: Db, row: outbox.OutboxRow): Promise<string | null> {
  const pinId = String(row.payload.pinId ?? '');
  const pin = await findPin(db, pinId);
  if (!pin) return null;
  const partner = await findPartnerById(db, pin.partner_id);
  if (!partner) return null;
  const status = String(row.payload.status);
  let event: PinNoteEvent =
    status === 'attributed' ? 'attributed' : status === 'released' ? 'released' : 'pinned';
  let previousPartnerName: string | null = null;
  if (status === 'recreate') event = 'recreated';
  else if (event === 'pinned' && pin.transferred_from_pin_id) {
    event = 'transferred_in';
    const from = await findPin(db, pin.transferred_from_pin_id);
    previousPartnerName = from ? ((await findPartnerById(db, from.partner_id))?.name ?? null) : null;
  }
  const at =
    event === 'released'
      ? (pin.valid_to ?? pin.updated_at)
      : event === 'recreated'
        ? row.created_at
        : (pin.valid_from ?? pin.updated_at);
  return companyNoteText({
    event,
    partnerName: partner.name,
    partnerId: partner.id,
    pinId: pin.id,
    at,
    previousPartnerName,
    reference: row.dedupe_key,
  });
}

/** The task body for a partner_task row, or why it is not sent. */
async function taskForRow(
  db: Db,
  row: outbox.OutboxRow,
): Promise<({ request_id: string } & Record<string, unknown>) | { skip: string }> {
  const nowSec = Math.floor(Date.now() / 1000);
  if (row.kind === 'partner_task.question') {
    const question = await findQuestionForTask(db, String(row.payload.questionId ?? ''));
    if (!question) return { skip: 'question_missing' };
    if (question.answered_at) return { skip: 'answered_before_delivery' };
    return {
      request_id: String(row.id),
      text: questionTaskText({
        clientAccountId: Number(question.client_account_id),
        clientSubdomain: question.client_subdomain,
        questionId: question.id,
        text: question.text,
        reference: row.dedupe_key,
      }),
      complete_till: nowSec + 24 * 3600,
      task_type_id: 1,
    };
  }
  const periodEnd = new Date(String(row.payload.periodEnd));
  if (Number.isNaN(periodEnd.getTime())) return { skip: 'bad_payload' };
  const clientAccountId = Number(row.payload.clientAccountId);
  const pin = row.payload.pinId ? await findPin(db, String(row.payload.pinId)) : undefined;
  return {
    request_id: String(row.id),
    text: renewalTaskText({
      clientAccountId,
      clientSubdomain: pin?.client_subdomain ?? null,
      periodEnd,
      productCode: typeof row.payload.productCode === 'string' ? row.payload.productCode : null,
      reference: row.dedupe_key,
    }),
    // Due a day before the period ends, so the client can still pay in time (never in the past).
    complete_till: Math.max(nowSec + 3600, Math.floor(periodEnd.getTime() / 1000) - 24 * 3600),
    task_type_id: 1,
  };
}
