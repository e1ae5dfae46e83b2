import { TimeseriesError } from './errors';
import { TimestampError, parseTimestamp } from './parse-timestamp';

/** Splits one RFC 4180 line: quoted fields may hold commas and doubled quotes. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      // quoted field: copy runs between quotes, "" is a literal quote
      let field = '';
      let from = ++i;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          field += line.slice(from);
          i = n;
          break;
        }
        if (line.charCodeAt(q + 1) === 34) {
          field += line.slice(from, q + 1);
          from = i = q + 2;
        } else {
          field += line.slice(from, q);
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      out.push(comma < 0 ? field + line.slice(i) : field + line.slice(i, comma)); // junk after a closing quote is kept
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
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
 * TimestampError with the 0-based data row as `index`, a bad value INVALID_ARGUMENT.
 */
export function readLongCsv(text: string, parseTs: (s: string) => number = (s) => parseTimestamp(s)): Map<string, LongSeries> {
  const out = new Map<string, LongSeries>();
  const lines = text.split('\n');
  const header = parseCsvLine(lines[0].replace(/\r$/, '')).map((h) => h.trim().replace(/^\uFEFF/, ''));
  const [iId, iTs, iVal] = ['series_id', 'timestamp', 'value'].map((k) => header.indexOf(k));
  if (iId < 0 || iTs < 0 || iVal < 0) throw new TimeseriesError('INVALID_ARGUMENT', 'long CSV needs series_id, timestamp and value columns');
  let current: LongSeries | undefined;
  let currentId: string | undefined;
  for (let k = 1; k < lines.length; k++) {
    let line = lines[k];
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line === '') continue;
    const f = line.indexOf('"') >= 0 ? parseCsvLine(line) : line.split(',');
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
      throw new TimestampError(`line ${k + 1}: ${(e as Error).message}`, k - 1);
    }
    const raw = f[iVal];
    const v = raw === undefined || MISSING.has(raw) ? NaN : Number(raw);
    if (v !== v && !(raw === undefined || MISSING.has(raw))) throw new TimeseriesError('INVALID_ARGUMENT', `line ${k + 1}: value ${JSON.stringify(raw)} is not a number`, { index: k - 1 });
    current!.timestamps.push(ts);
    current!.values.push(v);
  }
  return out;
}
