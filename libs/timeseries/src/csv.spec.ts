import { describe, expect, it } from 'vitest';
import { parseCsvLine, readLongCsv } from './csv';
import { TimestampError } from './parse-timestamp';

describe('parseCsvLine', () => {
  it.each([
    ['a,"b,c","say ""hi""",,', ['a', 'b,c', 'say "hi"', '', '']],
    ['', ['']],
    ['x', ['x']],
    [',', ['', '']],
    ['"",""""', ['', '"']],
    ['"a""', ['a"']], // unterminated quote: the rest of the line
    ['1,2.5,"3"', ['1', '2.5', '3']],
  ])('%j', (line, fields) => {
    expect(parseCsvLine(line)).toEqual(fields);
  });
});

describe('readLongCsv', () => {
  it('reads long format with missing values as NaN, CRLF and a BOM', () => {
    const m = readLongCsv('\uFEFFseries_id,timestamp,value\r\nx,2024-01-01,2\r\nx,2024-01-02,\r\n"y,1",1970-01-01T00:00:00.001Z,NA\r\nx,2024-01-03,-1.5e3\r\n');
    expect([...m.keys()]).toEqual(['x', 'y,1']);
    expect(m.get('x')).toEqual({ timestamps: [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)], values: [2, NaN, -1500] });
    expect(m.get('y,1')).toEqual({ timestamps: [1], values: [NaN] });
  });

  it('accepts any column order and a custom timestamp parser', () => {
    const m = readLongCsv('value,timestamp,series_id\n3,10,a\n', Number);
    expect(m.get('a')).toEqual({ timestamps: [10], values: [3] });
  });

  it('rejects bad rows with their index', () => {
    expect(() => readLongCsv('series_id,timestamp,value\na,2024-01-01,1\na,2024-02-30,1\n')).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP', index: 1 }));
    expect(() => readLongCsv('series_id,timestamp,value\na,2024-01-01,abc\n')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => readLongCsv('id,ts,v\n')).toThrow(/series_id/);
    expect(() => readLongCsv('series_id,timestamp,value\na,x,1\n')).toThrow(TimestampError);
  });
});
