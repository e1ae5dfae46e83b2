import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LongSeries, readLongCsv } from '../csv';
import { parseTimestamp } from '../parse-timestamp';

/** The real datasets beside the checkout (../shared/data), or TSFM_DATA_DIR. */
export const DATA_DIR = process.env.TSFM_DATA_DIR ?? path.resolve(__dirname, '../../../../../shared/data');

const cache = new Map<string, Map<string, LongSeries>>();

export function loadDataset(file: string): Map<string, LongSeries> {
  let d = cache.get(file);
  if (!d) {
    // M3 starts in 1750 (placeholder years): the loader widens the API's 1900..2200 bounds.
    d = readLongCsv(readFileSync(path.join(DATA_DIR, file), 'utf8'), (s) => parseTimestamp(s, { minYear: 1700, maxYear: 2200 }));
    cache.set(file, d);
  }
  return d;
}
