import { CsvCell, formatCsv } from '#timeseries';
import type { ObservationBlock } from '#db';

/**
 * CSV export, chunk by chunk: the same shape the CSV upload accepts, so a download can be re-uploaded
 * as is. Each chunk is formatted on its own; quoting and the formula guard are per cell, so the text is
 * what one formatCsv call over all rows would give.
 */
export async function* observationsCsv(channels: string[], chunks: AsyncIterable<ObservationBlock>): AsyncGenerator<string> {
  yield formatCsv([['timestamp', ...channels]]);
  for await (const b of chunks) {
    const rows: CsvCell[][] = new Array(b.timestamps.length);
    for (let i = 0; i < b.timestamps.length; i++) rows[i] = [new Date(b.timestamps[i]).toISOString(), ...b.values.map((col) => col[i])];
    yield formatCsv(rows);
  }
}
