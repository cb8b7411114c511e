import type { Db, Tx } from '../db/pool';
import type { StatementRow } from '../documents';
import { formatRub } from '../documents/money-words';
import { AppError } from '../errors';
import { createId } from '../ids';
import { postMany, post } from '../ledger/ledger.service';
import { bountyRecorded, settlementPosted } from '../ledger/postings';
import type { PostingInput } from '../ledger/ledger';
import { chunksOf } from '../chunks';
import { endOfDay } from '../programs/measure.rules';
import type { Measure, PresetName, ProgramDocument } from '../programs/program';
import { effectiveModel } from '../programs/level.rules';
import { notPayableReason } from '../programs/program.rules';
import { measureByPartner, programInForce } from '../programs/program.service';
import type { BountyBody } from './settlement';
import * as repo from './settlement.repository';
import { periodsDue, settlementAmount, type DuePeriod } from './settlement.rules';

/**
 * A partner's measure of a period: the payments it made itself (reseller, white label: seed 004's «стоимость
 * после партнёрской скидки») and its clients' payments that earned it a commission (agent), net of refunds made
 * by the period's end — each summed in one statement for every partner.
 */
async function measureOfPeriod(db: Db, measure: Measure, asOf: string): Promise<Map<string, bigint>> {
  const [own, attributed] = await Promise.all([
    measureByPartner(db, { measure, subject: 'own_payments', asOf }),
    measureByPartner(db, { measure, subject: 'attributed_payments', asOf }),
  ]);
  for (const [partnerId, value] of attributed) own.set(partnerId, (own.get(partnerId) ?? 0n) + value);
  return own;
}

export interface SettleResult {
  /** Settlements recorded for the first time. */
  recorded: number;
  /** Settlements a recompute found another amount for, and posted the difference of. */
  revised: number;
}

/**
 * Runs every settlement of the program in force on the Moscow date `asOf` whose run date has come in the last
 * `lookbackMonths` months (`periodsDue`): measures each period for all partners in SQL, records each partner's settlement
 * once, and — when a recompute finds another amount (a back-dated payment or refund) — revises it and posts only
 * the difference. A rerun that finds the same amounts writes nothing. Postings go in batches of a thousand.
 */
export async function settleDue(
  trx: Tx,
  asOf: string,
  preset: PresetName,
  lookbackMonths = 12,
): Promise<SettleResult> {
  const program = await programInForce(trx, endOfDay(asOf), preset);
  const doc = program.document;
  const result: SettleResult = { recorded: 0, revised: 0 };
  for (const due of periodsDue(doc.settlements ?? [], asOf, lookbackMonths)) {
    const one = await settlePeriod(trx, doc, program.version, due);
    result.recorded += one.recorded;
    result.revised += one.revised;
  }
  return result;
}

/** How many partners a settlement run writes at a time: memory stays flat in the partner count. */
const CHUNK_PARTNERS = 1000;

async function settlePeriod(
  trx: Tx,
  doc: ProgramDocument,
  programVersion: number,
  due: DuePeriod,
): Promise<SettleResult> {
  const { settlement, period, previous } = due;
  const measures = await measureOfPeriod(trx, settlement.measure, period.toDate);
  const before = previous ? await measureOfPeriod(trx, settlement.measure, previous.toDate) : new Map();
  const partnerIds = [...new Set([...measures.keys(), ...before.keys()])].sort();
  const existing = await repo.lockSettlementsOfPeriod(trx, settlement.id, period.fromDate, partnerIds);
  const at = endOfDay(period.toDate);
  const result: SettleResult = { recorded: 0, revised: 0 };
  for (const chunk of chunksOf(partnerIds, CHUNK_PARTNERS)) {
    const facts = await repo.partnerFacts(
      trx,
      chunk.filter((id) => !existing.has(id)),
      period.toDate,
    );
    const fresh: repo.NewSettlement[] = [];
    const postings: PostingInput[] = [];
    for (const partnerId of chunk) {
      const measureMinor = measures.get(partnerId) ?? 0n;
      const previousMinor = previous ? (before.get(partnerId) ?? 0n) : null;
      const { amountMinor, calculation } = settlementAmount(due, measureMinor, previousMinor);
      const row = existing.get(partnerId);
      if (row) {
        if (row.amount_minor === amountMinor) continue;
        const revision = row.revision + 1;
        await repo.reviseSettlement(trx, row.id, {
          measureMinor,
          previousMinor,
          amountMinor,
          calculation,
          programVersion,
          revision,
        });
        postings.push(
          settlementPosted({
            settlementRowId: row.id,
            revision,
            partnerId,
            form: row.form,
            payable: row.payable,
            deltaMinor: amountMinor - row.amount_minor,
            currency: 'RUB',
            at,
          }),
        );
        result.revised += 1;
        continue;
      }
      const partner = facts.get(partnerId)!;
      const model = effectiveModel(doc.models ?? [], partner.model, partner.level);
      if (settlement.models && !settlement.models.includes(model ?? '')) continue;
      const form = (model !== null ? settlement.formByModel?.[model] : undefined) ?? settlement.form;
      const reason = form === 'payout' ? notPayableReason(doc.policies.payout, partner) : null;
      const payable = form === 'payout' && reason === null;
      const id = createId('stl');
      fresh.push({
        id,
        partnerId,
        settlementId: settlement.id,
        kind: settlement.kind,
        periodFrom: period.fromDate,
        periodTo: period.toDate,
        measureMinor,
        previousMinor,
        amountMinor,
        form,
        payable,
        reason,
        calculation,
        programVersion,
      });
      if (amountMinor > 0n)
        postings.push(
          settlementPosted({
            settlementRowId: id,
            revision: 1,
            partnerId,
            form,
            payable,
            deltaMinor: amountMinor,
            currency: 'RUB',
            at,
          }),
        );
    }
    await repo.insertSettlements(trx, fresh);
    await postMany(trx, postings);
    result.recorded += fresh.length;
  }
  return result;
}

/**
 * Seed 004: an admin records that a partner's case study or comment was published; the program's bounty gives a
 * fixed amount, or one the admin chooses within its range. Once per (partner, bounty, publication date): the same
 * record again answers the first result, another amount for it is a 409.
 */
export async function recordBounty(
  trx: Tx,
  partnerId: string,
  body: BountyBody,
  recordedBy: string,
  requestHash: string,
  preset: PresetName,
): Promise<{ result: repo.BountyView; replayed: boolean }> {
  const publishedAt = new Date(body.publishedAt);
  const program = await programInForce(trx, publishedAt, preset);
  const bounty = program.document.bounties?.find((b) => b.id === body.bountyId);
  if (!bounty)
    throw new AppError('unprocessable', `The program has no bounty ${body.bountyId}`, [
      {
        path: 'bountyId',
        message: 'not a bounty of the program in force on the publication date',
        messageRu: 'В программе нет такого бонуса',
      },
    ]);
  const amount = body.amountMinor ?? (bounty.minMinor === bounty.maxMinor ? bounty.minMinor : undefined);
  if (amount === undefined || amount < bounty.minMinor || amount > bounty.maxMinor)
    throw new AppError(
      'unprocessable',
      `The bounty ${bounty.id} is from ${bounty.minMinor} to ${bounty.maxMinor}`,
      [
        {
          path: 'amountMinor',
          message: `bounties.${bounty.id}: an amount from ${bounty.minMinor} to ${bounty.maxMinor} kopecks is required`,
          messageRu: 'Сумма бонуса должна быть в пределах, установленных программой',
        },
      ],
    );
  const partner = (await repo.partnerFacts(trx, [partnerId], publishedAt.toISOString().slice(0, 10))).get(
    partnerId,
  );
  if (!partner) throw new AppError('not_found', 'No such partner');
  const reason = notPayableReason(program.document.policies.payout, partner);
  const id = createId('bty');
  const created = await repo.insertBounty(trx, {
    id,
    partner_id: partnerId,
    bounty_id: bounty.id,
    amount_minor: BigInt(amount),
    published_at: publishedAt,
    payable: reason === null,
    reason,
    recorded_by: recordedBy,
    request_hash: requestHash,
    program_version: program.version,
  });
  const row = (await repo.findBounty(trx, partnerId, bounty.id, publishedAt))!;
  if (!created) {
    if (row.request_hash !== requestHash)
      throw new AppError('idempotency_key_reused', 'This publication was already recorded with other data');
    return { result: repo.bountyView(row), replayed: true };
  }
  await post(
    trx,
    bountyRecorded({
      bountyRowId: id,
      partnerId,
      payable: reason === null,
      amountMinor: BigInt(amount),
      currency: 'RUB',
      at: publishedAt,
    }),
  );
  return { result: repo.bountyView(row), replayed: false };
}

/**
 * The statement's rows for a partner's rebates and bounties of a period (seed 004: «a statement line showing the
 * calculation»): a rebate in the month its period ends, a bounty in the month of its publication; no client, no
 * payment; a one-time discount is not paid out and says so.
 */
export async function statementRowsOf(
  db: Db,
  partnerId: string,
  period: { from: Date; to: Date },
  bountyTitle: (bountyId: string) => string | undefined,
): Promise<StatementRow[]> {
  return (await repo.statementExtras(db, partnerId, period)).map((r) => ({
    kind: r.kind,
    date: r.at,
    paymentId: r.id,
    grossMinor: 0n,
    rateBps: 0,
    commissionMinor: r.amount_minor,
    payable: r.payable,
    reason: r.form === 'one_time_discount' ? 'one_time_discount' : (r.reason ?? undefined),
    calculation:
      r.kind === 'bounty'
        ? `${bountyTitle(r.rule_id) ?? r.rule_id}: ${formatRub(r.amount_minor)}`
        : `${r.calculation ?? ''}${r.revision > 1 ? ' (пересчитан)' : ''}`,
  }));
}
