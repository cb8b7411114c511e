import { z } from 'zod';
import { recordAudits } from '../audit/audit';
import { AppError } from '../errors';
import { ProblemBody, toProblem } from '../http/errors';
import { fieldErrors, defineRoute } from '../http/route';
import { PaymentBody, PaymentResult } from './commission';
import { recordPaymentBatch, type BatchItem } from './payment-batch.service';

/** Most payments one batch may carry: one transaction's worth (see `recordPaymentBatch`). */
export const PAYMENT_BATCH_MAX_ITEMS = 1000;

/**
 * The batch body: the items are validated one by one (`toBatchItem`), not by this schema, so that one bad item
 * is that item's 400 and not the whole batch's. OpenAPI still shows each item as the payment body it must be.
 */
const PaymentBatchBody = z.strictObject({
  items: z
    .array(
      z.unknown().meta({
        description:
          'A payment body exactly as `POST /api/v1/payments` takes it; each item is validated alone',
        ...paymentBodyJsonSchema(),
      }),
    )
    .min(1)
    .max(PAYMENT_BATCH_MAX_ITEMS),
});

function paymentBodyJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(PaymentBody, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return schema;
}

/** What happened to one item: its result (201, 200) or its problem (400, 409, 422 …), as the single route says. */
export const PaymentBatchItemResult = z.object({
  /** The item's position in `items`, from 0. */
  index: z.number().int(),
  /** The item's externalId, or null when it had no usable one (a 400). */
  externalId: z.string().nullable(),
  /** The status `POST /api/v1/payments` would have answered for this item alone. */
  status: z.number().int(),
  result: PaymentResult.optional(),
  /** The problem+json body the single route would have answered; field paths are relative to the item. */
  problem: ProblemBody.optional(),
});

export const PaymentBatchResult = z.object({
  results: z.array(PaymentBatchItemResult),
  summary: z.object({ created: z.number().int(), replayed: z.number().int(), failed: z.number().int() }),
});
export type PaymentBatchResult = z.infer<typeof PaymentBatchResult>;

/** Validates one item as the single route validates its body, keeping its error on the item. */
function toBatchItem(raw: unknown): BatchItem {
  const parsed = PaymentBody.safeParse(raw);
  if (parsed.success) return { externalId: parsed.data.externalId, body: parsed.data };
  const externalId = (raw as { externalId?: unknown } | null)?.externalId;
  return {
    externalId: typeof externalId === 'string' ? externalId : null,
    error: new AppError('validation_failed', 'Invalid payment', fieldErrors(parsed.error)),
  };
}

/** Billing's bulk import: up to 1 000 payments per request, each recorded or refused on its own. */
export const paymentBatchRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/payments/batch',
    summary:
      'Billing: up to 1 000 payments at once (importing history); each item is recorded all-or-nothing exactly as POST /api/v1/payments would record it, and answered on its own',
    tag: 'billing',
    auth: 'billing',
    body: PaymentBatchBody,
    responses: {
      200: {
        description:
          'Every item answered in order: 201 recorded, 200 the same payment again, 400 invalid (field paths inside the item), 409 the externalId with other data or a net invoice already settled, 422 not applicable',
        schema: PaymentBatchResult,
      },
    },
    async handler({ db, body, app, caller }) {
      const outcomes = await recordPaymentBatch(
        db,
        body.items.map(toBatchItem),
        { vendorAccountId: app.config.vendorAccountId, programPreset: app.config.programPreset },
        // The single route's audit row for each payment recorded, written together for the items recorded together.
        (recorded) =>
          recordAudits(
            db,
            caller,
            'payment.recorded',
            recorded.map(({ body: payment, result }) => ({
              entity: { type: 'payment', id: result.id },
              details: {
                externalId: payment.externalId,
                commissionMinor: result.commission?.commissionMinor ?? null,
              },
            })),
          ),
      );
      const summary = { created: 0, replayed: 0, failed: 0 };
      const results = outcomes.map((o) => {
        if ('error' in o) {
          summary.failed += 1;
          const problem = toProblem(o.error);
          return { index: o.index, externalId: o.externalId, status: problem.status, problem };
        }
        summary[o.replayed ? 'replayed' : 'created'] += 1;
        return { index: o.index, externalId: o.externalId, status: o.replayed ? 200 : 201, result: o.result };
      });
      return { status: 200, body: { results, summary } satisfies PaymentBatchResult };
    },
  }),
];
