import type { ObservationsJsonBody } from './generated/openapi-types.js';

/** Limits a single observations request must stay under (the server's TSFM_MAX_BODY_BYTES / TSFM_MAX_POINTS_PER_REQUEST). */
export interface SplitLimits {
  /** Bytes of one request body (default 4 MiB; the server default is 16 MiB). */
  maxBytes?: number;
  /** timestamps x channels in one request (default 1,000,000; the server default is 2,000,000). */
  maxPoints?: number;
}

export const DEFAULT_SPLIT = { maxBytes: 4 * 1024 * 1024, maxPoints: 1_000_000 };

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s).length;

/**
 * Splits columnar observations into consecutive row ranges whose JSON bodies each fit the limits.
 * Sizes are computed exactly from the serialisation JSON.stringify produces, so no chunk overshoots.
 */
export function splitObservations(obs: ObservationsJsonBody, limits: SplitLimits = {}): ObservationsJsonBody[] {
  const maxBytes = limits.maxBytes ?? DEFAULT_SPLIT.maxBytes;
  const maxPoints = limits.maxPoints ?? DEFAULT_SPLIT.maxPoints;
  const n = obs.timestamps.length;
  const c = obs.values.length;
  for (const col of obs.values) {
    if (col.length !== n) throw new RangeError(`every values[] column must have ${n} entries, one per timestamp`);
  }
  // {"timestamps":[],"values":[[],[]]}: fixed part; each row adds its fields plus one comma per column after the first row.
  const base = bytes('{"timestamps":[],"values":[]}') + 2 * c + Math.max(0, c - 1);
  const rowsPerPoints = Math.max(1, Math.floor(maxPoints / Math.max(1, c)));
  const chunks: ObservationsJsonBody[] = [];
  let start = 0;
  let size = base;
  for (let i = 0; i < n; i++) {
    let row = bytes(JSON.stringify(obs.timestamps[i]));
    for (let k = 0; k < c; k++) row += bytes(JSON.stringify(obs.values[k][i] ?? null));
    const comma = i > start ? 1 + c : 0;
    if (base + row > maxBytes) throw new RangeError(`row ${i} alone needs ${base + row} bytes, over maxBytes ${maxBytes}`);
    if (i > start && (size + comma + row > maxBytes || i - start >= rowsPerPoints)) {
      chunks.push(slice(obs, start, i));
      start = i;
      size = base + row;
    } else size += comma + row;
  }
  if (n > start) chunks.push(slice(obs, start, n));
  return chunks;
}

function slice(obs: ObservationsJsonBody, from: number, to: number): ObservationsJsonBody {
  return { timestamps: obs.timestamps.slice(from, to), values: obs.values.map((col) => col.slice(from, to)) };
}

/**
 * Records of CSV text: a newline inside a quoted field does not end one (quotes pair up, "" inside
 * a field too, so an odd count so far leaves a field open). The SDK has no dependencies, so this
 * only finds record ends; the server parses the fields.
 */
function csvRecords(text: string): string[] {
  const parts = text.split(/(\r?\n)/);
  const out: string[] = [];
  let rec = '';
  let open = false;
  for (let i = 0; i < parts.length; i += 2) {
    rec += parts[i];
    for (let k = parts[i].indexOf('"'); k >= 0; k = parts[i].indexOf('"', k + 1)) open = !open;
    if (open && i + 1 < parts.length) rec += parts[i + 1];
    else {
      out.push(rec);
      rec = '';
    }
  }
  return out;
}

/**
 * Splits line-oriented text (CSV keeps its header line on every chunk; NDJSON has none) under
 * maxBytes, never inside a quoted CSV field.
 */
export function splitLines(text: string, maxBytes: number, header: boolean): string[] {
  const lines = (header ? csvRecords(text) : text.split(/\r?\n/)).filter((l) => l.length > 0);
  const head = header ? (lines.shift() ?? '') : '';
  const headBytes = header ? bytes(head) + 1 : 0;
  const chunks: string[] = [];
  let cur: string[] = [];
  let size = headBytes;
  for (const line of lines) {
    const b = bytes(line) + 1;
    if (headBytes + b > maxBytes) throw new RangeError(`a ${b}-byte line does not fit maxBytes ${maxBytes}`);
    if (cur.length > 0 && size + b > maxBytes) {
      chunks.push((header ? head + '\n' : '') + cur.join('\n') + '\n');
      cur = [];
      size = headBytes;
    }
    cur.push(line);
    size += b;
  }
  if (cur.length > 0) chunks.push((header ? head + '\n' : '') + cur.join('\n') + '\n');
  return chunks;
}
