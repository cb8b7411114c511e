/**
 * The instants the API accepts, as zod schemas shared by every domain's request schemas: ISO 8601 with an
 * offset, in a range that makes sense for the field, with a Russian message for the widget.
 */
import { z } from 'zod';

/**
 * The program's clock: its days, months, schedules and documents are Moscow's, whatever the server's zone (the
 * program document's `timeZone` may only be this). Since 26 October 2014 Moscow is UTC+3 all year, which the
 * pure date rules use as a fixed offset (`measure.rules.ts`, `documents/dates.ts`).
 */
export const PROGRAM_TIME_ZONE = 'Europe/Moscow';

/** One day in milliseconds: holds, windows and lifetimes counted in days of 24 hours. */
export const DAY_MS = 24 * 3600 * 1000;
/** No event of this program predates it; older dates are typos or probes (year 0 is not a payment date). */
export const EARLIEST_INSTANT = '2000-01-01T00:00:00Z';
/** Real UTC offsets run from −12:00 to +14:00; anything wider is not a clock anyone uses. */
const OFFSET = /(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant with an offset, from 2000 up to `maxFutureDays` after now. Events that already
 * happened (a payment, a signature) get a day of leeway for clock skew; planned ones (a rate change, the end
 * of a paid period) get years.
 */
export function instant(options: { maxFutureDays: number }) {
  return z.iso.datetime({ offset: true }).superRefine((value, ctx) => {
    const offset = OFFSET.exec(value);
    if (offset?.[1]) {
      const minutes = Number(offset[2]) * 60 + Number(offset[3]);
      if (minutes > (offset[1] === '+' ? 14 * 60 : 12 * 60)) {
        ctx.addIssue({
          code: 'custom',
          message: 'the UTC offset must be between -12:00 and +14:00',
          params: { ru: 'смещение от UTC должно быть от -12:00 до +14:00' },
        });
        return;
      }
    }
    const at = Date.parse(value);
    const latest = Date.now() + options.maxFutureDays * DAY_MS;
    if (!(at >= Date.parse(EARLIEST_INSTANT) && at <= latest)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be between 2000-01-01 and ${new Date(latest).toISOString().slice(0, 10)}`,
        params: {
          ru: `дата должна быть не раньше 2000-01-01 и не позже ${new Date(latest).toISOString().slice(0, 10)}`,
        },
      });
    }
  });
}

/** Events that already happened: a payment, a refund, a signature, a received letter. */
export const PastInstant = instant({ maxFutureDays: 1 });
/** Planned dates: a rate in force from, the end of a paid period. */
export const PlannedInstant = instant({ maxFutureDays: 366 * 10 });
