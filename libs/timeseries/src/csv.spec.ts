import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, formatCsv, parseCsv, protectCell, readCsvRows, readLongCsv, unprotectCell, writeCsvFile } from './csv';
import { TimestampError } from './parse-timestamp';

const fields = (text: string, o?: Parameters<typeof parseCsv>[1]) => parseCsv(text, o).map((r) => r.fields);

describe('parseCsv', () => {
  it.each([
    ['a,"b,c","say ""hi""",,\n', [['a', 'b,c', 'say "hi"', '', '']]],
    ['x\n', [['x']]],
    [',\n', [['', '']]],
    ['"",""""\n', [['', '"']]],
    ['1,2.5,"3"', [['1', '2.5', '3']]],
    // a quoted field spanning lines, with a comma and CRLF inside
    [
      'id,v\r\n"two\r\nlines, one cell",1\r\n',
      [
        ['id', 'v'],
        ['two\r\nlines, one cell', '1'],
      ],
    ],
    // the BOM is not part of the first header name
    [
      '\uFEFFtimestamp,a\n1,2\n',
      [
        ['timestamp', 'a'],
        ['1', '2'],
      ],
    ],
    // trailing empty and whitespace-only lines are not rows
    [
      'a,b\n1,2\n\n  \r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['', []],
  ])('%j', (text, rows) => {
    expect(fields(text)).toEqual(rows);
  });

  it('numbers each row by the line it starts on', () => {
    const rows = parseCsv('h,v\n"a\nb",1\n\nc,2\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('trims around fields only when asked, never inside quotes', () => {
    expect(fields(' a , b \n')).toEqual([[' a ', ' b ']]);
    expect(fields(' a , " b " \n', { trim: true })).toEqual([['a', ' b ']]);
  });

  it.each([
    ['h,v\n"open,1\n2,3\n', 'CSV_QUOTE_NOT_CLOSED', 2],
    ['h,v\n"a"b,1\n', 'CSV_INVALID_CLOSING_QUOTE', 2],
    ['h,v\na"b,1\n', 'INVALID_OPENING_QUOTE', 2],
    ['h,v\n1,2\n3\n', 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH', 3],
    ['h,v\n1,2\n3,4,5\n', 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH', 3],
  ])('%j is MALFORMED_CSV (%s) at line %d', (text, reason, line) => {
    let err: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvFormatError);
    expect(err).toMatchObject({ code: 'MALFORMED_CSV', line, details: { line, reason } });
    expect((err as Error).message).toMatch(new RegExp(`^CSV line ${line}: `));
  });

  it('hands ragged rows back when the caller checks field counts itself', () => {
    expect(fields('h,v\n1\n2,3,4\n', { columns: 'ragged' })).toEqual([['h', 'v'], ['1'], ['2', '3', '4']]);
  });
});

describe('readCsvRows (streaming)', () => {
  const tmp = (text: string) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'csv-')), 'in.csv');
    writeFileSync(file, text);
    return file;
  };
  const read = async (file: string) => {
    const out: unknown[] = [];
    for await (const r of readCsvRows(file)) out.push(r);
    return out;
  };

  it('yields the same rows and lines as parseCsv, across read chunks (64 KiB) with quoted newlines', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => `"id ${i},\r\n""x""",2024-01-01,${i}`);
    const text = '\uFEFFseries_id,timestamp,value\r\n' + rows.join('\r\n') + '\r\n\r\n';
    expect(text.length).toBeGreaterThan(3 * 65536);
    const streamed = await read(tmp(text));
    expect(streamed).toEqual(parseCsv(text));
    expect(streamed).toHaveLength(6001);
    expect(streamed[6000]).toEqual({ line: 12000, fields: ['id 5999,\r\n"x"', '2024-01-01', '5999'] });
  });

  it('places a malformed record at the line it starts, even far past what the consumer has read', async () => {
    const good = Array.from({ length: 5000 }, (_, i) => `${i},"a\nb"`).join('\n');
    await expect(read(tmp(`h,v\n${good}\n"open,1\n2,3\n`))).rejects.toMatchObject({
      code: 'MALFORMED_CSV',
      line: 10002,
      details: { reason: 'CSV_QUOTE_NOT_CLOSED' },
    });
    await expect(read(tmp(`h,v\n${good}\n"a"b,1\n`))).rejects.toMatchObject({ code: 'MALFORMED_CSV', line: 10002 });
    await expect(read(tmp('h,v\n1,2\n3\n'))).rejects.toMatchObject({
      code: 'MALFORMED_CSV',
      line: 3,
      details: { reason: 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' },
    });
    await expect(read('/nonexistent/in.csv')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('formatCsv', () => {
  it('quotes commas, quotes, newlines and CR, and round-trips through parseCsv', () => {
    const rows = [
      ['name', 'v'],
      ['a,b', 1],
      ['say "hi"', -1.5],
      ['two\nlines', null],
      ['cr\ronly', 0],
      ['plain', 2.5e-7],
    ];
    const text = formatCsv(rows);
    expect(text).toBe('name,v\n"a,b",1\n"say ""hi""",-1.5\n"two\nlines",\n"cr\ronly",0\nplain,2.5e-7\n');
    expect(fields(text)).toEqual(rows.map((r) => r.map((c) => (c === null ? '' : String(c)))));
  });

  it('prefixes text that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const text = formatCsv([['=HYPERLINK("http://x","y")', '+1+2', '-cmd', '@SUM(A1)', '\tx', '\rx', '\uFF1D1', '-1.5', '+3', '1e5', -2, 'ok-name']]);
    expect(fields(text)).toEqual([
      ['\'=HYPERLINK("http://x","y")', "'+1+2", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx", "'\uFF1D1", '-1.5', '+3', '1e5', '-2', 'ok-name'],
    ]);
  });

  it('protectCell and unprotectCell invert each other on names', () => {
    for (const s of ['-x', '=1', '@a', 'plain', "'quoted", '-1']) expect(unprotectCell(protectCell(s))).toBe(s);
    expect(protectCell('-1')).toBe('-1');
    expect(unprotectCell("'plain")).toBe("'plain");
  });

  it('writeCsvFile streams the same text as formatCsv', async () => {
    const rows = [
      ['id', 'q0.5'],
      ['=x', 1],
      ['a\nb', null],
    ];
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'csv-')), 'out.csv');
    await writeCsvFile(file, rows);
    expect(readFileSync(file, 'utf8')).toBe(formatCsv(rows));
  });
});

describe('readLongCsv', () => {
  it('reads long format with missing values as NaN, CRLF and a BOM', () => {
    const m = readLongCsv('\uFEFFseries_id,timestamp,value\r\nx,2024-01-01,2\r\nx,2024-01-02,\r\n"y,1",1970-01-01T00:00:00.001Z,NA\r\nx,2024-01-03,-1.5e3\r\n');
    expect([...m.keys()]).toEqual(['x', 'y,1']);
    expect(m.get('x')).toEqual({ timestamps: [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)], values: [2, NaN, -1500] });
    expect(m.get('y,1')).toEqual({ timestamps: [1], values: [NaN] });
  });

  it('reads a series id holding a quoted newline', () => {
    const m = readLongCsv('series_id,timestamp,value\n"multi\nline",2024-01-01,1\n');
    expect(m.get('multi\nline')).toEqual({ timestamps: [Date.UTC(2024, 0, 1)], values: [1] });
  });

  it('accepts any column order and a custom timestamp parser', () => {
    const m = readLongCsv('value,timestamp,series_id\n3,10,a\n', Number);
    expect(m.get('a')).toEqual({ timestamps: [10], values: [3] });
  });

  it('rejects bad rows with their index', () => {
    expect(() => readLongCsv('series_id,timestamp,value\na,2024-01-01,1\na,2024-02-30,1\n')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMESTAMP', index: 1 }),
    );
    expect(() => readLongCsv('series_id,timestamp,value\na,2024-01-01,abc\n')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => readLongCsv('id,ts,v\n')).toThrow(/series_id/);
    expect(() => readLongCsv('series_id,timestamp,value\na,x,1\n')).toThrow(TimestampError);
    expect(() => readLongCsv('series_id,timestamp,value\na,2024-01-01\n')).toThrow(expect.objectContaining({ code: 'MALFORMED_CSV', line: 2 }));
  });
});
