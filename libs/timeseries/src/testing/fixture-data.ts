import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { LongSeries, readLongCsv } from '../csv';

/**
 * The committed subsets of the real datasets (test/fixtures/data, same layout as the full data),
 * written by scripts/fixtures/make-test-data.py: what every test reads, so a clone tests anywhere.
 */
export const FIXTURE_DIR = path.resolve(__dirname, '../../../../test/fixtures/data');

/**
 * The full datasets (the folder `npm run eval` reads), when TSFM_EVAL_DATA names one: the checks
 * whose bounds were measured on whole datasets (the M4 paper's figures, shares over all series)
 * run only then.
 */
export const EVAL_DATA_DIR: string | undefined = evalDataDir();

function evalDataDir(): string | undefined {
  const dir = process.env.TSFM_EVAL_DATA;
  if (!dir) return undefined;
  if (!existsSync(path.join(dir, 'datasets.csv')))
    throw new Error(`TSFM_EVAL_DATA=${dir} has no datasets.csv: point it at the full data folder (see test/fixtures/README.md) or unset it`);
  return dir;
}

const cache = new Map<string, Map<string, LongSeries>>();

/** A long-format dataset by its path under a data folder (the fixtures by default), parsed once per test file. */
export function loadDataset(file: string, dir = FIXTURE_DIR): Map<string, LongSeries> {
  const key = path.join(dir, file);
  let d = cache.get(key);
  if (!d) {
    d = readLongCsv(readFileSync(key, 'utf8'));
    cache.set(key, d);
  }
  return d;
}

/** Rows of a CSV with a header, as records keyed by column name. */
function readRecords(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

export interface DatasetInfo {
  series: number;
  rows: number;
  nanValues: number;
  missingTimestamps: number;
}

/**
 * A file's counts from its folder's datasets.csv: for the fixtures, counted by the Python
 * generator, for the full data, the data's own index; either way not by the code under test.
 */
export function datasetInfo(file: string, dir = FIXTURE_DIR): DatasetInfo {
  const r = readRecords(path.join(dir, 'datasets.csv')).find((x) => x.file === file);
  if (!r) throw new Error(`${file} is not in ${path.join(dir, 'datasets.csv')}`);
  return { series: Number(r.series), rows: Number(r.rows), nanValues: Number(r.nan_values), missingTimestamps: Number(r.missing_timestamps) };
}

/** A competition set's `*_meta.csv`: per series the training length and the official horizon. */
export function loadMeta(file: string, dir = FIXTURE_DIR): Map<string, { nTrain: number; h: number }> {
  return new Map(readRecords(path.join(dir, file)).map((r) => [r.series_id, { nTrain: Number(r.n_train), h: Number(r.h) }]));
}
