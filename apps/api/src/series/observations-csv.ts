import type { ObservationsResponse } from './dto/series.response';

function field(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV export: the same shape the CSV upload accepts, so a download can be re-uploaded as is. */
export function observationsToCsv(o: ObservationsResponse): string {
  const lines = [['timestamp', ...o.channels].map(field).join(',')];
  for (let i = 0; i < o.timestamps.length; i++) {
    let line = o.timestamps[i];
    for (const col of o.values) line += ',' + (col[i] === null ? '' : String(col[i]));
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}
