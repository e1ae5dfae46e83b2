import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LongSeries, parseCsvLine, readLongCsv } from '../csv';
import { parseTimestamp } from '../parse-timestamp';

/** The real datasets beside the checkout (../shared/data), or TSFM_DATA_DIR. */
export const DATA_DIR = process.env.TSFM_DATA_DIR ?? path.resolve(__dirname, '../../../../../shared/data');

const cache = new Map<string, Map<string, LongSeries>>();

/** A long-format dataset by its path under the data folder, parsed once per test file. */
export function loadDataset(file: string): Map<string, LongSeries> {
  let d = cache.get(file);
  if (!d) {
    // M3 starts in 1750 (placeholder years): the loader widens the API's 1900..2200 bounds.
    d = readLongCsv(readFileSync(path.join(DATA_DIR, file), 'utf8'), (s) => parseTimestamp(s, { minYear: 1700, maxYear: 2200 }));
    cache.set(file, d);
  }
  return d;
}

/** A competition set's `*_meta.csv`: per series the training length and the official horizon. */
export function loadMeta(file: string): Map<string, { nTrain: number; h: number }> {
  const lines = readFileSync(path.join(DATA_DIR, file), 'utf8').trim().split(/\r?\n/);
  const header = parseCsvLine(lines[0]);
  const [iId, iN, iH] = ['series_id', 'n_train', 'h'].map((k) => header.indexOf(k));
  return new Map(lines.slice(1).map((l) => {
    const f = parseCsvLine(l);
    return [f[iId], { nTrain: Number(f[iN]), h: Number(f[iH]) }];
  }));
}
