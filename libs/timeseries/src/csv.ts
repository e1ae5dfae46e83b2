import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Options as ParseOptions, parse as parseStream } from 'csv-parse';
import { CsvError as SyncCsvError, parse as parseSync } from 'csv-parse/sync';
import { Options as StringifyOptions, stringify as stringifyStream } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { TimeseriesError } from './errors';
import { TimestampError, parseTimestamp } from './parse-timestamp';

/**
 * The one CSV module: every CSV the service reads or writes goes through csv-parse and
 * csv-stringify (RFC 4180: quoted fields with commas, newlines and doubled quotes, a BOM, CRLF).
 */

/** One record with the 1-based line it starts on (a quoted field may span several lines). */
export interface CsvRow {
  line: number;
  fields: string[];
}

export interface CsvReadOptions {
  /** Drop spaces around fields (outside quotes), as uploads have always allowed. */
  trim?: boolean;
  /**
   * Rows with a different field count than the header are an error by default; 'ragged' hands
   * them back so a caller can report every bad row at once with its own code.
   */
  columns?: 'strict' | 'ragged';
}

/** Malformed CSV (an unclosed or stray quote, a ragged row); `details.line` says where. */
export class CsvFormatError extends TimeseriesError {
  constructor(
    message: string,
    readonly line: number,
    reason: string,
  ) {
    super('MALFORMED_CSV', message, { line, reason });
  }
}

/**
 * csv-parse options. With `track`, each record goes to it as it is parsed (and is dropped): only
 * to place an error, since csv-parse builds an info object per record for on_record, which
 * halves its speed, and a stream's consumer lags its parser (records in between are lost on error).
 */
function parseOptions(o: CsvReadOptions, track?: Rows): ParseOptions {
  return {
    bom: true,
    // \r\n and \n anywhere in one file, as the line-splitting readers allowed; a lone \r stays content.
    record_delimiter: ['\r\n', '\n'],
    // Field counts are checked in Rows so blank lines do not count as short rows.
    relax_column_count: true,
    trim: o.trim ?? false,
    ...(track ? { on_record: ((record: string[]) => (track.take(record), null)) as unknown as ParseOptions['on_record'] } : {}),
  };
}

/**
 * Turns csv-parse records into rows: blank and whitespace-only lines (a trailing newline, CRLF
 * leftovers) are skipped. Records end at \n, so one spans 1 + the \n inside its fields lines.
 */
class Rows {
  /** The line the next record starts on. */
  nextLine = 1;
  private width = -1;

  constructor(private readonly o: CsvReadOptions) {}

  take(f: string[]): CsvRow | null {
    const line = this.nextLine;
    let span = 1;
    for (const x of f) for (let k = x.indexOf('\n'); k >= 0; k = x.indexOf('\n', k + 1)) span++;
    this.nextLine += span;
    if (f.length === 1 && f[0].trim() === '') return null;
    if (this.width < 0) this.width = f.length;
    else if (f.length !== this.width && this.o.columns !== 'ragged') {
      throw new CsvFormatError(
        `CSV line ${line}: expected ${this.width} fields like the header, got ${f.length}`,
        line,
        'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH',
      );
    }
    return { line, fields: f };
  }

  /** A csv-parse error met while this tracked every record before it, as a CsvFormatError. */
  error(e: CsvError | SyncCsvError): CsvFormatError {
    // An unclosed quote is reported where the text ends; the record it opened is more useful.
    if (e.code === 'CSV_QUOTE_NOT_CLOSED')
      return new CsvFormatError(`CSV line ${this.nextLine}: a quoted field opened on this line is never closed`, this.nextLine, e.code);
    const line = typeof e.lines === 'number' ? e.lines : this.nextLine;
    return new CsvFormatError(`CSV line ${line}: ${e.message}`, line, e.code);
  }
}

// csv-parse/sync bundles its own copy of the class.
const isCsvError = (e: unknown): e is CsvError | SyncCsvError => e instanceof CsvError || e instanceof SyncCsvError;

/** Parses a whole CSV text (a request body): header included as the first row. */
export function parseCsv(text: string, o: CsvReadOptions = {}): CsvRow[] {
  let records: string[][];
  try {
    records = parseSync(text, parseOptions(o));
  } catch (e) {
    if (!isCsvError(e)) throw e;
    // Parse again, tracking records, to say where the failing one starts.
    const track = new Rows({ ...o, columns: 'ragged' });
    try {
      parseSync(text, parseOptions(o, track));
    } catch (again) {
      if (isCsvError(again)) throw track.error(again);
      throw again;
    }
    throw track.error(e);
  }
  const rows = new Rows(o);
  const out: CsvRow[] = [];
  for (const r of records) {
    const row = rows.take(r);
    if (row) out.push(row);
  }
  return out;
}

function records(file: string, options: ParseOptions): AsyncIterable<string[]> {
  const source = createReadStream(file);
  const parser = source.pipe(parseStream(options));
  // A read error (missing file) does not travel through pipe(); hand it to the parser.
  source.once('error', (e: Error) => parser.destroy(e));
  parser.once('close', () => source.destroy());
  return parser;
}

/** Streams a CSV file row by row (header first), so a large input is never one string. */
export async function* readCsvRows(file: string, o: CsvReadOptions = {}): AsyncGenerator<CsvRow> {
  const rows = new Rows(o);
  try {
    for await (const r of records(file, parseOptions(o))) {
      const row = rows.take(r);
      if (row) yield row;
    }
  } catch (e) {
    if (!isCsvError(e)) throw e;
    // The consumer lags the parser: read the file again, tracking records, to place the error.
    const track = new Rows({ ...o, columns: 'ragged' });
    try {
      for await (const _ of records(file, parseOptions(o, track))) void _;
    } catch (again) {
      if (isCsvError(again)) throw track.error(again);
      throw again;
    }
    throw track.error(e);
  }
}

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Formula-injection guard (OWASP "CSV Injection"): a text cell starting with =, +, -, @, tab or CR
 * (or their full-width forms) gets a leading single quote so a spreadsheet shows it as text, not
 * a live formula. Plain decimal numbers such as "-1.5" are left alone; number cells never change.
 */
export function protectCell(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

/**
 * Undoes protectCell where that is unambiguous: a name that may not contain a quote (a channel)
 * read back from one of our downloads.
 */
export function unprotectCell(s: string): string {
  return s.charCodeAt(0) === 39 && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

const STRINGIFY: StringifyOptions = {
  cast: { string: protectCell },
  // csv-stringify quotes delimiters, quotes and \n; a lone \r would end a record for some readers.
  quoted_match: /\r/,
  record_delimiter: '\n',
};

/** Rows to CSV text, quoted where needed and guarded against formula injection; null is empty. */
export function formatCsv(rows: CsvCell[][]): string {
  return stringifySync(rows, STRINGIFY);
}

/** Streams rows to a file with the same quoting and guard as formatCsv. */
export async function writeCsvFile(file: string, rows: Iterable<CsvCell[]> | AsyncIterable<CsvCell[]>): Promise<void> {
  await pipeline(Readable.from(rows), stringifyStream(STRINGIFY), createWriteStream(file));
}

export interface LongSeries {
  timestamps: number[];
  /** NaN marks a missing value. */
  values: number[];
}

const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'null', 'NULL']);

/**
 * Reads long-format CSV (`series_id,timestamp,value` in any column order, header first) into
 * series in file order. Empty, NA, NaN and null values are missing (NaN); a bad timestamp throws
 * TimestampError with the 0-based data row as `index`, a bad value INVALID_ARGUMENT, malformed
 * CSV MALFORMED_CSV.
 */
export function readLongCsv(text: string, parseTs: (s: string) => number = (s) => parseTimestamp(s)): Map<string, LongSeries> {
  const rows = parseCsv(text);
  const header = (rows[0]?.fields ?? []).map((h) => h.trim());
  const [iId, iTs, iVal] = ['series_id', 'timestamp', 'value'].map((k) => header.indexOf(k));
  if (iId < 0 || iTs < 0 || iVal < 0) throw new TimeseriesError('INVALID_ARGUMENT', 'long CSV needs series_id, timestamp and value columns');
  const out = new Map<string, LongSeries>();
  let current: LongSeries | undefined;
  let currentId: string | undefined;
  for (let k = 1; k < rows.length; k++) {
    const { line, fields: f } = rows[k];
    const id = f[iId];
    if (id !== currentId) {
      current = out.get(id);
      if (!current) out.set(id, (current = { timestamps: [], values: [] }));
      currentId = id;
    }
    let ts: number;
    try {
      ts = parseTs(f[iTs]);
    } catch (e) {
      throw new TimestampError(`line ${line}: ${(e as Error).message}`, k - 1);
    }
    const raw = f[iVal];
    const v = MISSING.has(raw) ? NaN : Number(raw);
    if (v !== v && !MISSING.has(raw))
      throw new TimeseriesError('INVALID_ARGUMENT', `line ${line}: value ${JSON.stringify(raw)} is not a number`, { index: k - 1 });
    current!.timestamps.push(ts);
    current!.values.push(v);
  }
  return out;
}
