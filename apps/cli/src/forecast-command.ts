import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
// The pipeline's own files, not the #forecasting and #model-runtime barrels: those also export the
// NestJS services (and through them TypeORM), about half a second of module loading for one call.
import { AUTO_FOUNDATION_MODELS, AUTO_MODEL_ID, Forecaster, SeriesInput, autoCandidates, catalogModel } from '../../../libs/forecasting/src/forecaster';
import { ModelCatalog } from '../../../libs/model-runtime/src/model-catalog';
import { ModelRuntime } from '../../../libs/model-runtime/src/model-runtime';
import { CsvCell, CsvRow, readCsvRows, parseTimestamp, writeCsvFile } from '#timeseries';
import { CliError } from './cli-error';

export interface ForecastArgs {
  input: string;
  output: string;
  horizon?: number;
  model?: string;
  quantiles?: number[];
  at?: string;
  modelsDir: string;
}

export { CliError } from './cli-error';

/** The file's rows, streamed; unreadable or malformed CSV is a CliError naming the file. */
async function* rowsOf(file: string): AsyncGenerator<CsvRow> {
  try {
    yield* readCsvRows(file, { trim: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'MALFORMED_CSV') throw new CliError(`${file}: ${err.message}`);
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') throw new CliError(`${file}: ${err.message}`);
    throw e;
  }
}

interface InputSeries extends SeriesInput {
  id: string;
}

/**
 * The file's series, streamed: each one is yielded when its rows end, so memory holds one chunk of
 * series, not the file. A series' rows must be together (any order inside); one whose rows come
 * back after another series' is a CliError.
 */
async function* readLong(file: string, count: { series: number }): AsyncGenerator<InputSeries> {
  let iId = -1;
  let iTs = -1;
  let iVal = -1;
  let cur: InputSeries | null = null;
  const seen = new Set<string>();
  for await (const { line, fields: f } of rowsOf(file)) {
    if (iId < 0) {
      [iId, iTs, iVal] = ['series_id', 'timestamp', 'value'].map((k) => f.indexOf(k));
      if (iId < 0 || iTs < 0 || iVal < 0) throw new CliError(`${file}: the header must have series_id,timestamp,value`);
      continue;
    }
    const where = `${file} line ${line}`;
    let t: number;
    try {
      t = parseTimestamp(/^\d+$/.test(f[iTs]) ? Number(f[iTs]) : f[iTs]);
    } catch (e) {
      // The parser's message quotes the value and says what is wrong (impossible date, year outside 0001..9999, ...).
      throw new CliError(`${where}: invalid timestamp ${(e as Error).message}`);
    }
    const raw = f[iVal];
    const v = raw === '' ? null : Number(raw);
    if (v !== null && (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)))
      throw new CliError(`${where}: value ${JSON.stringify(raw)} is not a number (leave it empty for missing)`);
    if (cur?.id !== f[iId]) {
      if (seen.has(f[iId])) throw new CliError(`${where}: the rows of series ${f[iId]} are not together; sort the file by series_id`);
      if (cur) yield cur;
      seen.add(f[iId]);
      count.series++;
      cur = { id: f[iId], timestamps: [], values: [] };
    }
    cur.timestamps.push(t);
    cur.values.push(v);
  }
  if (!cur) throw new CliError(`${file}: no rows`);
  yield cur;
}

/** `timestamp` (for every series) or `series_id,timestamp` (per series). */
async function readAt(file: string): Promise<(id: string) => number[]> {
  let iTs = -1;
  let iId = -1;
  const all: number[] = [];
  const per = new Map<string, number[]>();
  for await (const { line, fields: f } of rowsOf(file)) {
    if (iTs < 0) {
      iTs = f.indexOf('timestamp');
      iId = f.indexOf('series_id');
      if (iTs < 0) throw new CliError(`${file}: the header must have a timestamp column`);
      continue;
    }
    let t: number;
    try {
      t = parseTimestamp(/^\d+$/.test(f[iTs]) ? Number(f[iTs]) : f[iTs]);
    } catch (e) {
      throw new CliError(`${file} line ${line}: invalid timestamp ${(e as Error).message}`);
    }
    if (iId < 0) all.push(t);
    else {
      const list = per.get(f[iId]);
      if (list) list.push(t);
      else per.set(f[iId], [t]);
    }
  }
  if (iTs < 0) throw new CliError(`${file}: the header must have a timestamp column`);
  return (id) => (iId < 0 ? all : (per.get(id) ?? []));
}

/** The count so far (the total is not known while the file streams). */
function progress(done: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${done} series forecast`);
}

/**
 * The embedded, in-process forecast: the same Forecaster and runtime as the worker, no servers.
 * Series stream through in chunks (Forecaster.stream) and their rows are written as each chunk
 * ends, to a temporary file renamed onto --output at the end: nothing half-written.
 */
export async function forecastCommand(a: ForecastArgs): Promise<number> {
  if ((a.horizon === undefined) === (a.at === undefined)) throw new CliError('give exactly one of --horizon or --at');
  const wanted = a.model ?? process.env.TSFM_DEFAULT_MODEL ?? null;
  const auto = wanted === AUTO_MODEL_ID;
  const catalog = await ModelCatalog.load(a.modelsDir, auto ? null : wanted).catch((e: Error) => {
    throw new CliError(e.message);
  });
  // `auto`: its foundation candidates, the first one's levels (Forecaster.autoChunk).
  const candidates = auto ? autoCandidates(catalog.list()) : null;
  if (candidates && !candidates.length) throw new CliError(`model auto needs ${AUTO_FOUNDATION_MODELS.join(' or ')} in ${a.modelsDir}`);
  const entry = candidates ? candidates[0] : catalog.get(catalog.defaultModel);
  const quantiles = a.quantiles ?? entry.quantiles;
  const bad = quantiles.filter((q) => !entry.quantiles.some((l) => Math.abs(l - q) < 1e-9));
  if (bad.length) throw new CliError(`model ${entry.id} has quantiles ${entry.quantiles.join(',')}; not ${bad.join(',')}`);
  const atFor = a.at ? await readAt(a.at) : null;
  // Only the model used: each loaded model costs a session and a warm-up run at start.
  const runtime = await ModelRuntime.start({
    modelsDir: a.modelsDir,
    models: candidates ? candidates.map((e) => e.id) : [entry.id],
    providers: ['cpu'],
    intraOpThreads: 0,
    maxBatch: 256,
    maxWaitMs: 2,
    maxQueue: 1_000_000,
  });
  const forecaster = new Forecaster(runtime);
  const count = { series: 0, done: 0, failed: 0 };
  const tmp = `${a.output}.${process.pid}.tmp`;
  const levels = [...quantiles].sort((x, y) => x - y);
  const fail = (id: string, err: Error) => {
    count.failed++;
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}series ${id}: ${err.message}\n`);
  };
  async function* inputs(): AsyncGenerator<InputSeries> {
    for await (const s of readLong(a.input, count)) {
      if (!atFor) yield s;
      else if (atFor(s.id).length) yield { ...s, span: { at: atFor(s.id) } };
      else fail(s.id, new CliError(`no --at timestamps for series ${s.id}`));
    }
  }
  async function* rows(): AsyncGenerator<CsvCell[]> {
    yield ['series_id', 'timestamp', ...quantiles.map((q) => `q${q}`)];
    for await (const [s, r] of forecaster.stream(candidates ? { auto: candidates } : catalogModel(entry), inputs(), {
      span: { horizon: a.horizon ?? 1 },
      quantiles: levels,
    })) {
      if ('error' in r) fail(s.id, r.error);
      else {
        for (const [i, t] of r.timestamps.entries()) yield [s.id, new Date(t).toISOString(), ...r.quantiles[i]];
        progress(++count.done);
      }
    }
  }
  try {
    await writeCsvFile(tmp, rows());
    await rename(tmp, a.output);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    if (process.stderr.isTTY && count.done) process.stderr.write('\n');
    await runtime.close();
  }
  process.stderr.write(
    `${path.basename(a.output)}: ${count.series - count.failed} series forecast with ${auto ? AUTO_MODEL_ID : entry.id}${count.failed ? `, ${count.failed} failed` : ''}\n`,
  );
  return count.failed === count.series ? 1 : 0;
}
