import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { TIMESTAMP_YEARS, parseTimestamp } from '#timeseries';

export const IS_TIMESTAMP_PARAM = 'isTimestampParam';

function parse(raw: unknown): number | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  try {
    return parseTimestamp(/^-?\d+$/.test(raw) ? Number(raw) : raw);
  } catch {
    return null;
  }
}

/**
 * A query parameter holding an instant (ISO 8601 or epoch ms, years 0001..9999), normalised to ISO
 * 8601 UTC so the database never sees text it would refuse (class-validator's IsISO8601 takes
 * 2020-02-30, PostgreSQL does not). A bad one is 400 INVALID_TIMESTAMP (createValidationPipe).
 */
export function IsTimestampParam(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      const ms = parse(value);
      return ms === null ? value : new Date(ms).toISOString();
    }),
    ValidateBy({
      name: IS_TIMESTAMP_PARAM,
      validator: {
        validate: (value: unknown) => parse(value) !== null,
        defaultMessage: (a) => `${a?.property} must be ISO 8601 or epoch milliseconds in years ${TIMESTAMP_YEARS} (a real calendar date)`,
      },
    }),
  );
}
