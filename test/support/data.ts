import { readFileSync } from 'node:fs';
import path from 'node:path';
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
  const lines = readFileSync(path.join(opts.dir ?? FIXTURE_DIR, file), 'utf8').trim().split('\n').slice(1);
  const out = new Map<string, RawSeries>();
  for (const line of lines) {
    const [id, ts, v] = line.split(',');
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
