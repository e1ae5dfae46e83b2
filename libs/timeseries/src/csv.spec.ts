import { describe, expect, it } from 'vitest';
import { parseCsvLine, readLongCsv } from './csv';

describe('csv', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(parseCsvLine('a,"b,c","say ""hi""",,')).toEqual(['a', 'b,c', 'say "hi"', '', '']);
  });

  it('reads long format with missing values as NaN', () => {
    const m = readLongCsv('series_id,timestamp,value\nx,1,2\nx,2,\ny,1,3\n', Number);
    expect(m.get('x')).toEqual({ timestamps: [1, 2], values: [2, NaN] });
    expect(m.get('y')).toEqual({ timestamps: [1], values: [3] });
  });
});
