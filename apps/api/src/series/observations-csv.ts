import { CsvCell, formatCsv } from '#timeseries';
import type { ObservationsResponse } from './dto/series.response';

/** CSV export: the same shape the CSV upload accepts, so a download can be re-uploaded as is. */
export function observationsToCsv(o: ObservationsResponse): string {
  const rows: CsvCell[][] = [['timestamp', ...o.channels]];
  for (let i = 0; i < o.timestamps.length; i++) rows.push([o.timestamps[i], ...o.values.map((col) => col[i])]);
  return formatCsv(rows);
}
