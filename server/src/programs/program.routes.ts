import { z } from 'zod';
import { programDate } from '../payouts/payout.rules';
import { AccountIdParam } from '../pins/pin';
import { friendDiscountOn } from '../points/points.service';
import { settleDue } from '../settlements/settlement.service';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import {
  AdminProgramResult,
  DiscountsQuery,
  DiscountsView,
  SettleBody,
  SettleResult,
  PartnerTerms,
  PreviewBody,
  PreviewResult,
  ProgramPut,
  ProgramVersionOut,
  type ProgramVersion,
} from './program';
import {
  discountsOn,
  partnerLevelNow,
  previewPayment,
  programHistory,
  programInForce,
  recordTiers,
  saveProgram,
  tierStanding,
  tiersOf,
} from './program.service';
import { levelRoutes } from './level.routes';
import { partnerLevelTerms, reviewLevels } from './level.service';
import { presetOf } from './program.presets';

function versionOut(v: ProgramVersion) {
  return { version: v.version, effectiveFrom: v.effectiveFrom.toISOString(), document: v.document };
}

export const programRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/program',
    summary: 'Admin: the program document in force, and every version with its effective date',
    tag: 'program',
    auth: 'admin',
    responses: { 200: { description: 'The program', schema: AdminProgramResult } },
    async handler({ db, app }) {
      const inForce = await programInForce(db, new Date(), presetOf(app));
      const versions = await programHistory(db);
      return { status: 200, body: { inForce: versionOut(inForce), versions: versions.map(versionOut) } };
    },
  }),

  defineRoute({
    method: 'put',
    path: '/api/v1/admin/program',
    summary:
      'Admin: save a new program version (a full document or { preset }), in force from effectiveFrom (default now)',
    tag: 'program',
    auth: 'admin',
    body: ProgramPut,
    responses: { 201: { description: 'The stored version', schema: ProgramVersionOut } },
    async handler({ db, body, audit, app }) {
      // The first version is seeded before any new one, so history always starts with the preset in use.
      await programInForce(db, new Date(), presetOf(app));
      const saved = await saveProgram(db, body, 'admin', new Date());
      await audit(
        'program.saved',
        { type: 'program', id: String(saved.version) },
        { preset: body.preset ?? null, effectiveFrom: saved.effectiveFrom.toISOString() },
      );
      return { status: 201, body: versionOut(saved) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/program/preview',
    summary: 'Admin: the reward lines a payment would produce now, with their calculation; writes nothing',
    tag: 'program',
    auth: 'admin',
    idempotent: false,
    body: PreviewBody,
    responses: { 200: { description: 'Reward lines', schema: PreviewResult } },
    async handler({ db, body, app }) {
      const { partnerId, evaluation } = await previewPayment(db, body, presetOf(app));
      return {
        status: 200,
        body: {
          programVersion: evaluation.programVersion,
          partnerId,
          lines: evaluation.lines.map((l) => ({ ...l, amountMinor: Number(l.amountMinor) })),
          noReward: evaluation.noReward,
        },
      };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/program',
    summary:
      "Partner: the program's terms for this partner, with its level or tier and the progress to the next",
    tag: 'program',
    responses: { 200: { description: 'Terms', schema: PartnerTerms } },
    async handler({ db, partner, app }) {
      const now = new Date();
      const program = await programInForce(db, now, presetOf(app));
      const doc = program.document;
      const level = await partnerLevelNow(
        db,
        { id: partner.id, accountId: Number(partner.account_id) },
        doc,
        now,
      );
      const tiers = tiersOf(doc);
      const standing = tiers ? await tierStanding(db, partner.id, tiers, programDate(now)) : null;
      const { levelKeep, model } = await partnerLevelTerms(db, partner.id, program, now, presetOf(app));
      return {
        status: 200,
        body: {
          programVersion: program.version,
          name: doc.name,
          title: doc.title,
          attribution: doc.attribution,
          binding: doc.binding,
          rewards: doc.rewards,
          payout: {
            daysOfMonth: doc.policies.payout.daysOfMonth,
            minMinor: doc.policies.payout.minMinor,
            holdDays: doc.policies.payout.holdDays,
          },
          level,
          tier: standing && {
            measureMinor: standing.measureMinor,
            window: standing.window,
            discounts: standing.discounts,
            next: standing.next,
          },
          levelKeep,
          model,
        },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/discounts/:accountId',
    summary:
      "Billing: the account's discount per product category in force on a day (reseller tiers; with `code`, a friend's first-purchase discount), and whether it excludes other promotions",
    tag: 'billing',
    auth: 'billing',
    params: z.strictObject({ accountId: AccountIdParam }),
    query: DiscountsQuery,
    responses: {
      200: { description: 'The discounts (none for an account that has none)', schema: DiscountsView },
    },
    async handler({ db, params, query, app }) {
      const on = query.on ?? programDate(new Date());
      const view = query.code
        ? await friendDiscountOn(db, params.accountId, on, query.code, presetOf(app))
        : await discountsOn(db, params.accountId, on, presetOf(app));
      return { status: 200, body: view };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/program/settle',
    summary:
      "Admin: run the program's computations due by a day up to today — the partners' tiers of that day, their level reviews of every month up to it, the settlements (rebates) of the periods whose run date has come in the twelve months up to it — idempotently",
    tag: 'program',
    auth: 'admin',
    body: SettleBody,
    responses: { 200: { description: 'What was recorded for that day', schema: SettleResult } },
    async handler({ db, body, app, audit }) {
      const tiersRecorded = await recordTiers(db, body.asOf, presetOf(app));
      const levelChanges = await reviewLevels(db, body.asOf, presetOf(app));
      const settled = await settleDue(db, body.asOf, presetOf(app));
      const result = {
        asOf: body.asOf,
        tiersRecorded,
        levelChanges,
        settlementsRecorded: settled.recorded,
        settlementsRevised: settled.revised,
      };
      await audit('program.settled', { type: 'program', id: body.asOf }, result);
      return { status: 200, body: result };
    },
  }),

  ...levelRoutes,
];
