/** Bank requisites that pass the real checksum (BIK 044525225 with its correspondent account), for test partners. */
export const TEST_BANK = {
  bik: '044525225',
  account: '40702810938000000001',
  correspondentAccount: '30101810400000000225',
  bankName: 'ПАО Сбербанк',
};

/** A sole proprietor's registration body with requisites that pass the real checksums (INN, OGRNIP, bank). */
export function soleProprietor(name: string, email: string) {
  return {
    kind: 'sole_proprietor' as const,
    name,
    inn: '500100732259',
    ogrn: '304500116000157',
    bank: TEST_BANK,
    contacts: { email },
  };
}

/** A billing payment body (`POST /api/v1/payments`): a direct payment in roubles unless `extra` says otherwise. */
export function paymentBody(
  externalId: string,
  clientAccountId: number,
  grossMinor: number,
  paidAt: Date,
  extra: Record<string, unknown> = {},
) {
  return {
    externalId,
    clientAccountId,
    grossMinor,
    currency: 'RUB',
    channel: 'vendor_direct',
    paidAt: paidAt.toISOString(),
    productCode: 'amo-widget-pro',
    ...extra,
  };
}

/** A billing refund body (`POST /api/v1/refunds`): part or all of the payment `paymentExternalId`. */
export function refundBody(
  externalId: string,
  paymentExternalId: string,
  amountMinor: number,
  refundedAt: Date | string,
) {
  return {
    externalId,
    paymentExternalId,
    amountMinor,
    refundedAt: typeof refundedAt === 'string' ? refundedAt : refundedAt.toISOString(),
  };
}
