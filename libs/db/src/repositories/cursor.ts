import { BadRequestError, isUuid } from '#common';

/** Keyset cursor over (created_at, id); created_at travels as PostgreSQL text to keep microseconds. */
export interface Cursor {
  ts: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined || raw === '') return null;
  try {
    const [ts, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ts === 'string' && typeof id === 'string' && isUuid(id) && !Number.isNaN(Date.parse(ts))) return { ts, id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('INVALID_CURSOR', 'The cursor is not one this API issued');
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
