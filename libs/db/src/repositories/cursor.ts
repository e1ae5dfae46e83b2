import { BadRequestError, isUuid } from '#common';

/** Keyset cursor over (created_at, id); created_at travels as PostgreSQL text to keep microseconds. */
export interface Cursor {
  ts: string;
  id: string;
}

/** timestamptz as PostgreSQL writes it in text (DateStyle ISO): `2026-12-07 19:35:00.123456+00`. */
const PG_TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(?::\d{2}){0,2})$/;

/**
 * Whether `ts` is a real instant in PostgreSQL's text form. Date.parse is no test: it takes
 * 2020-02-30 (as March 1) while PostgreSQL refuses it, and a forged cursor must be a 400, never
 * reach the database as a 500.
 */
function isPgTimestamp(ts: string): boolean {
  const m = PG_TS.exec(ts);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (y < 1 || h > 23 || mi > 59 || s > 59) return false;
  const date = new Date(Date.UTC(2000, mo - 1, d));
  date.setUTCFullYear(y);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined || raw === '') return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [ts, id] = parsed as unknown[];
      if (typeof ts === 'string' && typeof id === 'string' && isUuid(id) && isPgTimestamp(ts)) return { ts, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('INVALID_CURSOR', 'The cursor is not one this API issued');
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
