import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '#timeseries';
import { FIXTURE_DIR } from './env';

export interface RawSeries {
  id: string;
  timestamps: string[];
  values: (number | null)[];
}

/**
 * Reads series from a long-format CSV under `dir` (the committed fixtures by default), keeping the
 * last `tail` rows of each.
 */
export function readSeries(file: string, opts: { limit?: number; tail?: number; ids?: string[]; dir?: string } = {}): RawSeries[] {
  const rows = parseCsv(readFileSync(path.join(opts.dir ?? FIXTURE_DIR, file), 'utf8'));
  const out = new Map<string, RawSeries>();
  for (const { fields } of rows.slice(1)) {
    const [id, ts, v] = fields;
    if (opts.ids && !opts.ids.includes(id)) continue;
    let s = out.get(id);
    if (!s) {
      if (opts.limit !== undefined && out.size >= opts.limit) continue;
      out.set(id, (s = { id, timestamps: [], values: [] }));
    }
    s.timestamps.push(ts);
    s.values.push(v === '' || v === undefined ? null : Number(v));
  }
  return [...out.values()].map((s) => (opts.tail ? { id: s.id, timestamps: s.timestamps.slice(-opts.tail), values: s.values.slice(-opts.tail) } : s));
}
