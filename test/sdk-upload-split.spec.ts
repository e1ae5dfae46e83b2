import { describe, expect, it } from 'vitest';
import { splitLines } from '../libs/sdk/src/upload-split';

describe('splitLines', () => {
  it('cuts CSV between records only, never inside a quoted field, and repeats the header', () => {
    const csv = 'timestamp,"a,b"\n"2024-01-01","1"\n"2024-01-02\r\nnext",2\n"say ""hi""\nthere",3\n2024-01-04,4\n';
    const head = 'timestamp,"a,b"\n';
    expect(splitLines(csv, 40, true)).toEqual([
      `${head}"2024-01-01","1"\n`,
      `${head}"2024-01-02\r\nnext",2\n`,
      `${head}"say ""hi""\nthere",3\n`,
      `${head}2024-01-04,4\n`,
    ]);
    expect(splitLines(csv, 1000, true)).toEqual([`${head}"2024-01-01","1"\n"2024-01-02\r\nnext",2\n"say ""hi""\nthere",3\n2024-01-04,4\n`]);
  });

  it('keeps NDJSON line splitting and refuses a record over the limit', () => {
    expect(splitLines('{"a":1}\n{"a":2}\n\n', 9, false)).toEqual(['{"a":1}\n', '{"a":2}\n']);
    expect(() => splitLines('h\n"x\ny",1\n', 6, true)).toThrow(RangeError);
  });
});
