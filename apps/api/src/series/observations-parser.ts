import { BadRequestError, InvalidInputError, PayloadTooLargeError } from '#common';
import type { ObservationBlock } from '#db';
import { CsvFormatError, CsvRow, parseCsv, parseTimestamp, unprotectCell } from '#timeseries';

export type UploadFormat = 'json' | 'csv' | 'ndjson';

export interface RowProblem {
  row: number;
  line?: number;
  column?: string;
  reason: string;
}

const MAX_LISTED = 100;

/** Collects every bad row, then fails once with the code of the first problem kind found. */
class Problems {
  readonly list: RowProblem[] = [];
  private firstCode: string | null = null;
  total = 0;

  add(code: string, p: RowProblem): void {
    this.firstCode ??= code;
    this.total++;
    if (this.list.length < MAX_LISTED) this.list.push(p);
  }

  throwIfAny(): void {
    if (!this.firstCode) return;
    const rows = [...new Set(this.list.map((p) => p.row))].slice(0, 10).join(', ');
    throw new InvalidInputError(this.firstCode, `${this.total} problem(s) in the upload; first rows: ${rows}`, {
      problems: this.list,
      total: this.total,
    });
  }
}

export interface ParseLimits {
  channels: string[];
  maxPoints: number;
}

function checkValue(v: unknown, row: number, column: string, problems: Problems, line?: number): number | null {
  if (v === null) return null;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    problems.add('NON_FINITE_VALUE', { row, line, column, reason: 'value is infinite or out of float64 range' });
    return null;
  }
  if (typeof v === 'string' && /^[+-]?nan$/i.test(v.trim())) {
    problems.add('NAN_VALUE', { row, line, column, reason: 'NaN is not a value; send null (JSON) or an empty field (CSV) for a missing value' });
  } else {
    problems.add('NON_NUMERIC_VALUE', { row, line, column, reason: `expected a number or null, got ${typeof v}` });
  }
  return null;
}

function toTimestamp(raw: unknown, row: number, problems: Problems, line?: number): number {
  try {
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new Error('not a string or number');
    return parseTimestamp(raw);
  } catch (e) {
    // The parser's reason names the value and its fault: an impossible date, a year outside 0001..9999, ...
    problems.add('INVALID_TIMESTAMP', { row, line, column: 'timestamp', reason: `${(e as Error).message}; expected ISO 8601 or epoch milliseconds` });
    return NaN;
  }
}

/** Sorts rows by time and rejects duplicate timestamps within one request. */
function finish(ts: number[], cols: (number | null)[][], problems: Problems): ObservationBlock {
  problems.throwIfAny();
  const order = ts.map((_, i) => i).sort((a, b) => ts[a] - ts[b]);
  for (let k = 1; k < order.length; k++) {
    if (ts[order[k]] === ts[order[k - 1]]) {
      problems.add('DUPLICATE_TIMESTAMP', { row: order[k], column: 'timestamp', reason: `same timestamp as row ${order[k - 1]}` });
    }
  }
  problems.throwIfAny();
  return { timestamps: order.map((i) => ts[i]), values: cols.map((c) => order.map((i) => c[i])) };
}

function guardPoints(rows: number, channels: number, max: number): void {
  if (rows * channels > max) {
    throw new PayloadTooLargeError(`The upload has ${rows * channels} points; the limit is ${max} per request. Split it into smaller requests.`, {
      maxPoints: max,
    });
  }
}

export function parseJsonUpload(body: unknown, lim: ParseLimits): ObservationBlock {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('VALIDATION_FAILED', 'The body must be an object {timestamps: [...], values: [[...], ...]}');
  }
  const extra = Object.keys(body).filter((k) => k !== 'timestamps' && k !== 'values');
  if (extra.length) throw new BadRequestError('VALIDATION_FAILED', `Unknown field(s): ${extra.join(', ')}`, { unknownFields: extra });
  const { timestamps, values } = body as { timestamps?: unknown; values?: unknown };
  if (!Array.isArray(timestamps) || timestamps.length === 0) throw new BadRequestError('VALIDATION_FAILED', 'timestamps must be a non-empty array');
  if (!Array.isArray(values)) throw new BadRequestError('VALIDATION_FAILED', 'values must be an array with one array per channel');
  if (values.length !== lim.channels.length) {
    throw new InvalidInputError(
      'CHANNEL_COUNT_MISMATCH',
      `values has ${values.length} channel array(s); the series has ${lim.channels.length} (${lim.channels.join(', ')})`,
    );
  }
  guardPoints(timestamps.length, lim.channels.length, lim.maxPoints);
  const problems = new Problems();
  values.forEach((col, c) => {
    if (!Array.isArray(col) || col.length !== timestamps.length) {
      problems.add('CHANNEL_COUNT_MISMATCH', { row: -1, column: lim.channels[c], reason: `values[${c}] must be an array of ${timestamps.length} entries` });
    }
  });
  problems.throwIfAny();
  const ts = timestamps.map((t, i) => toTimestamp(t, i, problems));
  const cols = (values as unknown[][]).map((col, c) => col.map((v, i) => checkValue(v, i, lim.channels[c], problems)));
  return finish(ts, cols, problems);
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Strict CSV numbers: decimal notation only; "inf" is infinite, anything else stays a string for the error. */
function csvNumber(raw: string): number | string {
  if (DECIMAL_RE.test(raw)) return Number(raw);
  if (/^[+-]?inf(inity)?$/i.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity;
  return raw;
}

function readCsv(text: string): CsvRow[] {
  try {
    // Ragged rows come back so every one is listed as CHANNEL_COUNT_MISMATCH below.
    return parseCsv(text, { trim: true, columns: 'ragged' });
  } catch (e) {
    if (e instanceof CsvFormatError) throw new BadRequestError('MALFORMED_CSV', e.message, e.details);
    throw e;
  }
}

/**
 * `timestamp,<channel>,...` header; channels are matched by name, an empty field is a missing value.
 * Header names are read back as our downloads write them (a formula-guard quote is dropped), so a
 * download re-uploads as is.
 */
export function parseCsvUpload(text: string, lim: ParseLimits): ObservationBlock {
  const rows = readCsv(text);
  if (rows.length < 2) throw new BadRequestError('VALIDATION_FAILED', 'The CSV needs a header line and at least one data line');
  const header = rows[0].fields.map(unprotectCell);
  if (header[0]?.toLowerCase() !== 'timestamp') throw new BadRequestError('VALIDATION_FAILED', 'The first CSV column must be "timestamp"');
  const cols = header.slice(1);
  const missing = lim.channels.filter((c) => !cols.includes(c));
  const unknown = cols.filter((c) => !lim.channels.includes(c));
  if (missing.length || unknown.length || cols.length !== lim.channels.length) {
    throw new InvalidInputError('CHANNEL_COUNT_MISMATCH', `The CSV header must name the series channels (${lim.channels.join(', ')})`, { missing, unknown });
  }
  const n = rows.length - 1;
  guardPoints(n, cols.length, lim.maxPoints);
  const problems = new Problems();
  const ts = new Array<number>(n);
  const out = lim.channels.map(() => new Array<number | null>(n));
  const target = cols.map((c) => lim.channels.indexOf(c));
  for (let i = 0; i < n; i++) {
    const { fields, line } = rows[i + 1];
    if (fields.length !== header.length) {
      problems.add('CHANNEL_COUNT_MISMATCH', { row: i, line, reason: `expected ${header.length} fields, got ${fields.length}` });
      continue;
    }
    ts[i] = toTimestamp(/^\d+$/.test(fields[0]) ? Number(fields[0]) : fields[0], i, problems, line);
    for (let k = 0; k < cols.length; k++) {
      const raw = fields[k + 1];
      out[target[k]][i] = raw === '' ? null : checkValue(csvNumber(raw), i, cols[k], problems, line);
    }
  }
  return finish(ts, out, problems);
}

/** One JSON object per line: `{"timestamp": t, "values": [..]}`, or `{"timestamp": t, "value": v}` for one channel. */
export function parseNdjsonUpload(text: string, lim: ParseLimits): ObservationBlock {
  const lines = splitLines(text);
  if (lines.length === 0) throw new BadRequestError('VALIDATION_FAILED', 'The NDJSON body has no lines');
  guardPoints(lines.length, lim.channels.length, lim.maxPoints);
  const problems = new Problems();
  const ts = new Array<number>(lines.length);
  const out = lim.channels.map(() => new Array<number | null>(lines.length));
  lines.forEach((text, i) => {
    const line = i + 1;
    let obj: { timestamp?: unknown; values?: unknown; value?: unknown };
    try {
      obj = JSON.parse(text);
    } catch {
      throw new BadRequestError('MALFORMED_JSON', `Line ${line} is not valid JSON`, { line });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new BadRequestError('VALIDATION_FAILED', `Line ${line} must be a JSON object`, { line });
    }
    const extra = Object.keys(obj).filter((k) => k !== 'timestamp' && k !== 'values' && k !== 'value');
    if (extra.length) throw new BadRequestError('VALIDATION_FAILED', `Unknown field(s) on line ${line}: ${extra.join(', ')}`, { line, unknownFields: extra });
    ts[i] = toTimestamp(obj.timestamp, i, problems, line);
    const vals = 'values' in obj ? obj.values : lim.channels.length === 1 && 'value' in obj ? [obj.value] : undefined;
    if (!Array.isArray(vals) || vals.length !== lim.channels.length) {
      problems.add('CHANNEL_COUNT_MISMATCH', { row: i, line, reason: `expected "values" with ${lim.channels.length} entries` });
      return;
    }
    vals.forEach((v, c) => (out[c][i] = checkValue(v, i, lim.channels[c], problems, line)));
  });
  return finish(ts, out, problems);
}
