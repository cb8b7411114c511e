// Rows for the database tests, written through the repositories; the fields those tests do not look at stay empty.
import { recordPayment } from '../../server/src/commissions/payment.service';
import { insertPartner } from '../../server/src/partners/partner.repository';
import { insertPin } from '../../server/src/pins/pin.repository';
import { VENDOR_ACCOUNT_ID } from './app';
import type { TestDb } from './db';

type Db = TestDb['db'];

const DAY_MS = 86400_000;

/** A partner with no requisites, bank or contacts yet. */
export async function insertBarePartner(
  db: Db,
  partner: Pick<Parameters<typeof insertPartner>[1], 'id' | 'accountId' | 'kind' | 'status' | 'name'>,
): Promise<void> {
  await insertPartner(db, {
    ...partner,
    inn: null,
    kpp: null,
    ogrn: null,
    passportEnc: null,
    passportMasked: null,
    bank: null,
    contacts: {},
  });
}

/** An exclusive pin of `clientAccountId` to the partner, valid since 90 days ago. */
export async function insertOldPin(
  db: Db,
  pin: { id: string; clientAccountId: number; partnerId: string },
): Promise<void> {
  await insertPin(db, {
    ...pin,
    clientSubdomain: null,
    status: 'pinned',
    exclusive: true,
    reason: null,
    comment: null,
    validFrom: new Date(Date.now() - 90 * DAY_MS),
  });
}

/** A vendor_direct payment in roubles, paid `daysAgo` days ago, recorded in its own transaction. */
export async function recordPaymentDaysAgo(
  db: Db,
  payment: { externalId: string; clientAccountId: number; grossMinor: number; daysAgo: number },
  requestHash: string,
): Promise<void> {
  const { daysAgo, ...body } = payment;
  await db.transaction().execute((trx) =>
    recordPayment(
      trx,
      {
        ...body,
        currency: 'RUB',
        channel: 'vendor_direct',
        paidAt: new Date(Date.now() - daysAgo * DAY_MS).toISOString(),
      },
      requestHash,
      { vendorAccountId: VENDOR_ACCOUNT_ID },
    ),
  );
}
