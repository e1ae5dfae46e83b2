import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor';

const ID = '6f1c5280-0000-4000-8000-000000000001';
const forged = (ts: unknown, id: unknown = ID) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');

describe('keyset cursors', () => {
  it('round-trip what PostgreSQL writes for timestamptz (microseconds, offsets)', () => {
    for (const ts of [
      '2026-12-07 19:35:00.123456+00',
      '2024-02-29 00:00:00+00',
      '0800-01-01 00:00:00+00',
      '2026-01-01 05:30:00+05:30',
      '9999-12-31 23:59:59.999999-12',
    ]) {
      expect(decodeCursor(encodeCursor({ ts, id: ID }))).toEqual({ ts, id: ID });
    }
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it('refuse impossible dates, other shapes and non-uuids as 400 INVALID_CURSOR', () => {
    const bad = [
      forged('2020-02-30 00:00:00+00'), // Date.parse takes it as March 1; PostgreSQL refuses it
      forged('2023-02-29 00:00:00+00'),
      forged('2024-04-31 00:00:00+00'),
      forged('2024-13-01 00:00:00+00'),
      forged('2024-01-01 24:00:00+00'),
      forged('0000-01-01 00:00:00+00'),
      forged('2024-01-01T00:00:00Z'),
      forged('2024-01-01'),
      forged(1704067200000),
      forged('2024-01-01 00:00:00+00', 'not-a-uuid'),
      Buffer.from(JSON.stringify(['2024-01-01 00:00:00+00', ID, 'extra'])).toString('base64url'),
      Buffer.from('{"ts":1}').toString('base64url'),
      'not base64 at all!',
    ];
    for (const c of bad) expect(() => decodeCursor(c), c).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR', status: 400 }));
  });
});
