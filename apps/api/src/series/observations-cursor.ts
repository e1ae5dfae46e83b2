import { BadRequestError } from '#common';
import { FIRST_TIMESTAMP_MS, LAST_TIMESTAMP_MS } from '#timeseries';

/**
 * An observations page ends at a timestamp; the next page starts after it. The cursor is that
 * timestamp (epoch ms) behind a tag, so a cursor of another listing is refused rather than misread.
 */
export function encodeObservationsCursor(lastMs: number): string {
  return Buffer.from(JSON.stringify(['obs', lastMs])).toString('base64url');
}

export function decodeObservationsCursor(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v[0] === 'obs' && Number.isSafeInteger(v[1]) && v[1] >= FIRST_TIMESTAMP_MS && v[1] <= LAST_TIMESTAMP_MS)
      return v[1];
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('INVALID_CURSOR', 'The cursor is not one this API issued for observations');
}
