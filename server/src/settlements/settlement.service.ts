import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { StatementRow } from '../documents';
import { formatRub } from '../documents/money-words';
import { AppError } from '../errors';
import { createId } from '../ids';
import { PARTNER_SLOT, partnerInCode, post, postPairs, slottedSides } from '../ledger/ledger.service';
import { bountyRecorded, settlementPosted } from '../ledger/postings';
import type { PairRow } from '../ledger/ledger';
import { endOfDay } from '../programs/measure.rules';
import type { Measure, PresetName, ProgramDocument } from '../programs/program';
import { effectiveModel } from '../programs/level.rules';
import { notPayableReason } from '../programs/program.rules';
import { measureQuery, programInForce } from '../programs/program.service';
import type { BountyBody } from './settlement';
import * as repo from './settlement.repository';
import { calculationWords, periodsDue, type DuePeriod } from './settlement.rules';

/**
 * A partner's measure of a period: the payments it made itself (reseller, white label: seed 004's «стоимость
 * после партнёрской скидки») and its clients' payments that earned it a commission (agent), net of refunds made
 * by the period's end — as statements the run sums in the database for every partner.
 */
const measureOfPeriod = (measure: Measure, asOf: string) =>
  (['own_payments', 'attributed_payments'] as const).map((subject) =>
    measureQuery({ measure, subject, asOf }),
  );

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
 * the difference. A rerun that finds the same amounts writes nothing. Each period is settled in the
 * database (`settlePeriod`): no row per partner comes into Node.
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

/** Where the database writes a calculation's amounts into its words: characters no title or date contains. */
const FIGURES = {
  measure: '\u0001measure\u0001',
  before: '\u0001before\u0001',
  amount: '\u0001amount\u0001',
};
/**
 * The accounts `settlementPosted` debits and credits for each form, payability and direction of a settlement,
 * slotted (the ledger's `PARTNER_SLOT` where the partner goes): the recipe stays the one place that says where a
 * rebate's money goes, and the database fills in each partner.
 */
function settlementAccounts() {
  const shapes = (['payout', 'one_time_discount'] as const).flatMap((form) =>
    [true, false].flatMap((payable) =>
      [1n, -1n].map((deltaMinor) => {
        const { debit, credit } = slottedSides(
          settlementPosted({
            settlementRowId: PARTNER_SLOT,
            revision: 1,
            partnerId: PARTNER_SLOT,
            form,
            payable,
            deltaMinor,
            currency: 'RUB',
            at: new Date(0),
          }),
        );
        return { form, payable, growing: deltaMinor > 0n, debit, credit };
      }),
    ),
  );
  return {
    forms: shapes.map((s) => s.form),
    payable: shapes.map((s) => s.payable),
    growing: shapes.map((s) => s.growing),
    debitCodes: shapes.map((s) => s.debit.code),
    debitOfPartner: shapes.map((s) => s.debit.ofPartner),
    creditCodes: shapes.map((s) => s.credit.code),
    creditOfPartner: shapes.map((s) => s.credit.ofPartner),
  };
}

/**
 * The postings of a staged period's settlements (`settlementPosted` for each: keyed by the settlement row and its
 * revision, the amount or the difference a revision found), as rows for the ledger's set-based writer.
 */
function stagedPostings(at: Date): RawBuilder<PairRow> {
  const a = settlementAccounts();
  const code = (column: 'debit' | 'credit') => partnerInCode(sql.ref(`sh.${column}_code`), sql`d.partner_id`);
  const partnerOf = (column: 'debit' | 'credit') =>
    sql`CASE WHEN ${sql.ref(`sh.${column}_of_partner`)} THEN d.partner_id END`;
  return sql<PairRow>`
    SELECT 'settlement:' || d.row_id || ':' || d.revision AS posting_key, 'settlement'::text AS kind,
           jsonb_build_object('settlementRowId', d.row_id, 'revision', d.revision) AS reason,
           ${at}::timestamptz AS effective_at,
           ${code('debit')} AS debit_code, ${partnerOf('debit')} AS debit_partner_id,
           ${code('credit')} AS credit_code, ${partnerOf('credit')} AS credit_partner_id,
           abs(d.delta_minor) AS amount_minor, 'RUB'::text AS currency
      FROM (${repo.stagedDeltas()}) d
      JOIN unnest(${a.forms}::text[], ${a.payable}::boolean[], ${a.growing}::boolean[], ${a.debitCodes}::text[],
                  ${a.debitOfPartner}::boolean[], ${a.creditCodes}::text[], ${a.creditOfPartner}::boolean[])
        AS sh(form, payable, growing, debit_code, debit_of_partner, credit_code, credit_of_partner)
        ON sh.form = d.form AND sh.payable = d.payable AND sh.growing = (d.delta_minor > 0)`;
}

/**
 * Settles one period in the database: every partner's measures, amount and words are worked out and written there
 * (`stagePeriod`), and its postings through the ledger's set-based writer; Node decides only what depends on a
 * partner's model, level, kind, status and contract — once per distinct combination, with the program's rules —
 * so a run's memory does not grow with the partner count.
 */
async function settlePeriod(
  trx: Tx,
  doc: ProgramDocument,
  programVersion: number,
  due: DuePeriod,
): Promise<SettleResult> {
  const { settlement, period, previous } = due;
  await repo.stagePeriod(trx, {
    settlementId: settlement.id,
    kind: settlement.kind,
    rateBps: settlement.rateBps,
    periodFrom: period.fromDate,
    periodTo: period.toDate,
    measured: measureOfPeriod(settlement.measure, period.toDate),
    measuredBefore: previous ? measureOfPeriod(settlement.measure, previous.toDate) : [],
  });
  const decisions = (await repo.stagedProfiles(trx)).map((profile): repo.ProfileDecision => {
    const model = effectiveModel(doc.models ?? [], profile.model, profile.level);
    const included = !settlement.models || settlement.models.includes(model ?? '');
    const form = (model !== null ? settlement.formByModel?.[model] : undefined) ?? settlement.form;
    const reason =
      form === 'payout'
        ? notPayableReason(doc.policies.payout, {
            kind: profile.kind,
            status: profile.status,
            contractSignedAt: profile.contract_signed_at,
          })
        : null;
    return { profile, included, form, payable: form === 'payout' && reason === null, reason };
  });
  await repo.decideStaged(trx, decisions);
  const words: repo.StagedWords = {
    byCase: {
      rebate: calculationWords(due, 'rebate', FIGURES),
      growth: calculationWords(due, 'growth', FIGURES),
      no_growth: calculationWords(due, 'no_growth', FIGURES),
      no_base: calculationWords(due, 'no_base', FIGURES),
    },
    placeholders: FIGURES,
  };
  const recorded = await repo.insertStaged(
    trx,
    {
      settlementId: settlement.id,
      kind: settlement.kind,
      periodFrom: period.fromDate,
      periodTo: period.toDate,
      programVersion,
    },
    words,
  );
  const revised = await repo.reviseStaged(trx, { programVersion, settledAt: new Date() }, words);
  await postPairs(trx, stagedPostings(endOfDay(period.toDate)));
  await repo.dropStaged(trx);
  return { recorded, revised };
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
