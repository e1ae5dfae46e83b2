import path from 'node:path';
import { DomainError } from '#common';
import { finishSeries, forecastPrepared, prepareSeries, Span } from '#forecasting';
import { ModelCatalog, ModelRuntime } from '#model-runtime';
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

interface InputSeries {
  timestamps: number[];
  values: (number | null)[];
}

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

async function readLong(file: string): Promise<Map<string, InputSeries>> {
  const out = new Map<string, InputSeries>();
  let iId = -1;
  let iTs = -1;
  let iVal = -1;
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
    let s = out.get(f[iId]);
    if (!s) out.set(f[iId], (s = { timestamps: [], values: [] }));
    s.timestamps.push(t);
    s.values.push(v);
  }
  if (!out.size) throw new CliError(`${file}: no rows`);
  return out;
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

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const w = 30;
  const filled = Math.round((done / total) * w);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${done}/${total} series`);
  if (done === total) process.stderr.write('\n');
}

/** The embedded, in-process forecast: the same pipeline and runtime as the worker, no servers. */
export async function forecastCommand(a: ForecastArgs): Promise<number> {
  if ((a.horizon === undefined) === (a.at === undefined)) throw new CliError('give exactly one of --horizon or --at');
  const catalog = await ModelCatalog.load(a.modelsDir, a.model ?? process.env.TSFM_DEFAULT_MODEL ?? null).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const entry = catalog.get(catalog.defaultModel);
  const quantiles = a.quantiles ?? entry.quantiles;
  const bad = quantiles.filter((q) => !entry.quantiles.some((l) => Math.abs(l - q) < 1e-9));
  if (bad.length) throw new CliError(`model ${entry.id} has quantiles ${entry.quantiles.join(',')}; not ${bad.join(',')}`);
  const input = await readLong(a.input);
  const atFor = a.at ? await readAt(a.at) : null;
  const runtime = await ModelRuntime.start({ modelsDir: a.modelsDir, providers: ['cpu'], intraOpThreads: 0, maxBatch: 256, maxWaitMs: 2, maxQueue: 1_000_000 });
  const rows: CsvCell[][] = [['series_id', 'timestamp', ...quantiles.map((q) => `q${q}`)]];
  let done = 0;
  let failed = 0;
  try {
    const ids = [...input.keys()].sort();
    // All series go to the runtime at once: the micro-batcher turns them into large batches.
    const results = await Promise.all(
      ids.map(async (id) => {
        const s = input.get(id)!;
        const span: Span = atFor ? { at: atFor(id) } : { horizon: a.horizon! };
        try {
          if ('at' in span && span.at.length === 0) throw new CliError(`no --at timestamps for series ${id}`);
          const p = prepareSeries(s.timestamps, s.values, entry, { span, quantiles, coarsen: true, selectContext: true, adjustSeasons: true });
          const [out] = await forecastPrepared(runtime, entry.id, [p], entry.quantiles);
          return finishSeries(
            p,
            out.forecast.quantiles,
            entry.quantiles,
            [...quantiles].sort((x, y) => x - y),
            'value',
            out.selection,
          );
        } catch (err) {
          if (!(err instanceof DomainError || err instanceof CliError)) throw err;
          failed++;
          process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}series ${id}: ${err.message}\n`);
          return null;
        } finally {
          progress(++done, ids.length);
        }
      }),
    );
    results.forEach((r, k) => r?.timestamps.forEach((t, i) => rows.push([ids[k], new Date(t).toISOString(), ...r.quantiles[i]])));
  } finally {
    await runtime.close();
  }
  await writeCsvFile(a.output, rows);
  process.stderr.write(`${path.basename(a.output)}: ${input.size - failed} series forecast with ${entry.id}${failed ? `, ${failed} failed` : ''}\n`);
  return failed === input.size ? 1 : 0;
}
