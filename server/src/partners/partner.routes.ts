import type { AppContext } from '../context';
import type { Db } from '../db/pool';
import { definePartnerRoute } from '../http/partner-route';
import { problemResponses } from '../http/errors';
import { defineRoute } from '../http/route';
import { ListQuery, pageById, pageOf } from '../http/pagination';
import {
  PartnerIdParams,
  PartnerProfile,
  RegisterPartnerBody,
  SetPartnerStatusBody,
  SignContractBody,
} from './partner';
import { forfeitOnBlock } from '../payouts/payout.service';
import * as repo from './partner.repository';
import { presetOf } from '../programs/program.presets';
import { payoutPolicyInForce } from '../programs/program.service';
import { referrerOfCode } from '../referrals/referral.service';
import { clearReferrer, registerPartner, setPartnerStatus, signContract, toProfile } from './partner.service';

const tag = 'partners';

/** Who may be paid out is the program's rule in force (`policies.payout`), as the reward engine applies it. */
function payoutPolicyNow(db: Db, app: AppContext) {
  return payoutPolicyInForce(db, new Date(), presetOf(app));
}

export const partnerRoutes = [
  definePartnerRoute({
    method: 'get',
    path: '/api/v1/partner',
    summary: "This account's partner profile (requisites masked)",
    tag,
    responses: {
      200: { description: 'Profile', schema: PartnerProfile },
      ...problemResponses('partner_not_found'),
    },
    async handler({ db, partner, app }) {
      return { status: 200, body: toProfile(partner, await payoutPolicyNow(db, app)) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/partner',
    summary: 'Register this amoCRM account as a partner',
    tag,
    auth: 'account',
    body: RegisterPartnerBody,
    responses: {
      201: { description: 'Registered', schema: PartnerProfile },
      ...problemResponses('partner_already_registered', {
        unprocessable: '`referredBy` names no partner (unprocessable, naming `referredBy`)',
      }),
    },
    async handler({ db, caller, body, app, audit }) {
      const referredBy = body.referredBy === undefined ? null : await referrerOfCode(db, body.referredBy);
      const partner = await registerPartner(db, caller, body, app.config.encryptionKey, referredBy);
      await audit(
        'partner.registered',
        { type: 'partner', id: partner.id },
        { kind: partner.kind, name: partner.name, ...(referredBy && { referredBy }) },
      );
      return { status: 201, body: toProfile(partner, await payoutPolicyNow(db, app)) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/partners',
    summary: 'Admin: all partners',
    tag,
    auth: 'admin',
    query: ListQuery,
    responses: { 200: { description: 'Partners', schema: pageOf(PartnerProfile) } },
    async handler({ db, query, app }) {
      const load = (afterId?: string) => repo.listPartners(db, { limit: query.limit + 1, afterId });
      const policy = await payoutPolicyNow(db, app);
      return { status: 200, body: await pageById(query, load, (row) => toProfile(row, policy)) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/partners/:id/contract',
    summary: 'Admin: the contract is signed → partner active, payout eligible per kind',
    tag,
    auth: 'admin',
    params: PartnerIdParams,
    body: SignContractBody,
    responses: {
      200: { description: 'Updated profile', schema: PartnerProfile },
      ...problemResponses({ unprocessable: 'individuals get no contract' }),
    },
    async handler({ db, params, body, audit, app }) {
      const partner = await signContract(db, params.id, {
        number: body.contractNumber,
        signedAt: new Date(body.signedAt),
      });
      await audit(
        'partner.contract_signed',
        { type: 'partner', id: partner.id },
        { contractNumber: body.contractNumber, signedAt: body.signedAt },
      );
      return { status: 200, body: toProfile(partner, await payoutPolicyNow(db, app)) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/partners/:id/status',
    summary:
      'Admin: block or unblock a partner, with a reason; under a program that blocks without payout, blocking forfeits what it is owed',
    tag,
    auth: 'admin',
    params: PartnerIdParams,
    body: SetPartnerStatusBody,
    responses: { 200: { description: 'Updated profile', schema: PartnerProfile } },
    async handler({ db, params, body, audit, app }) {
      const { partner, from } = await setPartnerStatus(db, params.id, body.status);
      const forfeit =
        partner.status === 'blocked' && from !== 'blocked' && body.forfeit !== false
          ? await forfeitOnBlock(db, partner.id, { reason: body.reason, at: new Date() })
          : null;
      await audit(
        'partner.status_changed',
        { type: 'partner', id: partner.id },
        {
          from,
          to: partner.status,
          reason: body.reason,
          ...(forfeit && {
            forfeitedMinor: Number(forfeit.forfeitedMinor),
            cancelledInvoiceIds: forfeit.cancelledInvoiceIds,
          }),
        },
      );
      return { status: 200, body: toProfile(partner, await payoutPolicyNow(db, app)) };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/api/v1/admin/partners/:id/referrer',
    summary: 'Admin: break the link between a partner and its referrer',
    description:
      'Sets the partner’s referrer to none and audits it with the former referrer. Past commissions are not ' +
      'rewritten: the break affects only payments made after it, whose referrer shares no longer go to the ' +
      'former referrer or those above it. A referrer is set only at registration, so there is no endpoint to set one.',
    tag,
    auth: 'admin',
    params: PartnerIdParams,
    responses: {
      200: { description: 'The partner, now without a referrer', schema: PartnerProfile },
      ...problemResponses({
        not_found: 'No such partner (not_found)',
        conflict: 'The partner has no referrer (conflict)',
      }),
    },
    async handler({ db, params, audit, app }) {
      const { partner, formerReferrerId } = await clearReferrer(db, params.id);
      await audit('partner.referrer_removed', { type: 'partner', id: partner.id }, { formerReferrerId });
      return { status: 200, body: toProfile(partner, await payoutPolicyNow(db, app)) };
    },
  }),
];
