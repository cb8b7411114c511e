/**
 * "May this partner be paid out?" has one answer, the program's (`policies.payout`: the kinds it pays, whether a
 * signed contract is needed, never while blocked): the partner's profile shows what the reward engine decides.
 * A vendor's program that pays without a contract must show that on the profile as it does on the commission —
 * the profile once followed a fixed copy of LeadSender's rule (contract always needed) instead.
 */
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { pinClient, registerPartner, signContract } from '../support/steps';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const PARTNER = 91700001;
const CLIENT = 93700101;

async function profile() {
  const res = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(PARTNER) });
  expect(res.status).toBe(200);
  return res.body;
}

async function useProgram(contractRequired: boolean) {
  const document = structuredClone(loadPreset('leadsender'));
  document.policies.payout.contractRequired = contractRequired;
  const saved = await t.call('PUT', '/api/v1/admin/program', { token: t.adminToken(), body: document });
  expect(saved.status).toBe(201);
}

test('the profile says what the engine pays: without a contract when the program needs none', async () => {
  const partnerId = await registerPartner(t, PARTNER);
  await pinClient(t, PARTNER, CLIENT);
  expect(await profile()).toMatchObject({ status: 'pending_contract', payoutEligible: false });

  await useProgram(false);
  const paid = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody('elig-1', CLIENT, 1_200_000, new Date()),
  });
  expect(paid.status).toBe(201);
  expect(paid.body.commission).toMatchObject({ commissionMinor: 480_000, payable: true });
  expect(await profile()).toMatchObject({ status: 'pending_contract', payoutEligible: true });

  // The program needs a contract again: the engine holds the next reward back, and so does the profile, until
  // the contract is signed.
  await useProgram(true);
  const held = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody('elig-2', CLIENT, 1_200_000, new Date()),
  });
  expect(held.body.commission).toMatchObject({ payable: false, reason: 'contract_not_signed' });
  expect(await profile()).toMatchObject({ payoutEligible: false });
  await signContract(t, partnerId, 'Э-1');
  expect(await profile()).toMatchObject({ status: 'active', payoutEligible: true });

  const list = await t.call('GET', '/api/v1/admin/partners', { token: t.adminToken() });
  expect(list.body.items.find((p: { id: string }) => p.id === partnerId)).toMatchObject({
    payoutEligible: true,
  });
});
