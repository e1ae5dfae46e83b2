/** Splits one RFC 4180 line: quoted fields may hold commas and doubled quotes. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

export interface LongSeries {
  timestamps: number[];
  /** NaN marks a missing value. */
  values: number[];
}

/**
 * Reads long-format CSV (`series_id,timestamp,value`, header first) into series in file order.
 * `parseTs` turns a timestamp field into epoch ms.
 */
export function readLongCsv(text: string, parseTs: (s: string) => number): Map<string, LongSeries> {
  const out = new Map<string, LongSeries>();
  const lines = text.split(/\r?\n/);
  const header = parseCsvLine(lines[0]).map((h) => h.trim());
  const [iId, iTs, iVal] = ['series_id', 'timestamp', 'value'].map((k) => header.indexOf(k));
  if (iId < 0 || iTs < 0 || iVal < 0) throw new Error('long CSV needs series_id, timestamp and value columns');
  for (let k = 1; k < lines.length; k++) {
    if (lines[k] === '') continue;
    const f = lines[k].indexOf('"') >= 0 ? parseCsvLine(lines[k]) : lines[k].split(',');
    let s = out.get(f[iId]);
    if (!s) out.set(f[iId], (s = { timestamps: [], values: [] }));
    s.timestamps.push(parseTs(f[iTs]));
    s.values.push(f[iVal] === '' ? NaN : Number(f[iVal]));
  }
  return out;
}
