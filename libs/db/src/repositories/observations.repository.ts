import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SeriesRepository } from './series.repository';

/** Observations in columnar form: timestamps (epoch ms) and one array per channel, null = missing. */
export interface ObservationBlock {
  timestamps: number[];
  values: (number | null)[][];
}

const CHUNK_ROWS = 5000;

@Injectable()
export class ObservationsRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly series: SeriesRepository,
  ) {}

  /**
   * Multi-row upsert through unnest(): a re-sent timestamp replaces its values (idempotent re-upload).
   * Runs inside the caller's transaction so an upload is all or nothing.
   */
  async upsert(em: EntityManager, seriesId: string, block: ObservationBlock): Promise<number> {
    const n = block.timestamps.length;
    const channels = block.values.length;
    let written = 0;
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const end = Math.min(n, start + CHUNK_ROWS);
      const ts: string[] = new Array(end - start);
      const flat: (number | null)[] = new Array((end - start) * channels);
      for (let i = start; i < end; i++) {
        ts[i - start] = new Date(block.timestamps[i]).toISOString();
        for (let c = 0; c < channels; c++) flat[(i - start) * channels + c] = block.values[c][i];
      }
      // One flat float8[] parameter sliced per row: PostgreSQL parses one array, not one per row.
      await em.query(
        `INSERT INTO observations (series_id, ts, "values")
         SELECT $1, t.ts, ($3::float8[])[(t.i - 1) * $4::int + 1 : t.i * $4::int]
         FROM unnest($2::timestamptz[]) WITH ORDINALITY AS t(ts, i)
         ON CONFLICT (series_id, ts) DO UPDATE SET "values" = EXCLUDED."values"`,
        [seriesId, ts, flat, channels],
      );
      written += end - start;
    }
    return written;
  }

  /** Reads [from, to] (inclusive, epoch ms) in time order; the series must belong to the tenant. */
  async read(tenantId: string, seriesId: string, from?: number, to?: number, em?: EntityManager): Promise<ObservationBlock> {
    const s = await this.series.get(tenantId, seriesId, em);
    const params: unknown[] = [s.id];
    let where = 'series_id = $1';
    if (from !== undefined) where += ` AND ts >= $${params.push(new Date(from).toISOString())}`;
    if (to !== undefined) where += ` AND ts <= $${params.push(new Date(to).toISOString())}`;
    const rows: { ms: string; values: (number | null)[] }[] = await (em ?? this.ds.manager).query(
      `SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms, "values" FROM observations WHERE ${where} ORDER BY ts`,
      params,
    );
    const timestamps = new Array<number>(rows.length);
    const values = s.channels.map(() => new Array<number | null>(rows.length));
    for (let i = 0; i < rows.length; i++) {
      timestamps[i] = Number(rows[i].ms);
      const v = rows[i].values;
      for (let c = 0; c < values.length; c++) values[c][i] = v[c] ?? null;
    }
    return { timestamps, values };
  }

  /**
   * One page in time order: rows after `after` (exclusive, epoch ms) within [from, to], at most
   * `limit`; `last` is the final row's timestamp when more rows follow (the next page's `after`).
   */
  async page(
    seriesId: string,
    channels: number,
    q: { from?: number; to?: number; after?: number; limit: number },
  ): Promise<ObservationBlock & { last: number | null }> {
    const { where, params } = rangeWhere(seriesId, q);
    const rows: { ms: string; values: (number | null)[] }[] = await this.ds.query(
      `SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms, "values" FROM observations WHERE ${where} ORDER BY ts LIMIT $${params.push(q.limit + 1)}`,
      params,
    );
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const block = toBlock(rows, channels);
    return { ...block, last: more ? block.timestamps[block.timestamps.length - 1] : null };
  }

  /**
   * Where a page of `limit` rows ends without reading it: the timestamp of its last row when more
   * rows follow, else null. Lets a CSV page name its next cursor before its rows are streamed.
   */
  async pageEnd(seriesId: string, q: { from?: number; to?: number; after?: number; limit: number }): Promise<number | null> {
    const { where, params } = rangeWhere(seriesId, q);
    const rows: { ms: string }[] = await this.ds.query(
      `SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms FROM observations WHERE ${where} ORDER BY ts OFFSET $${params.push(q.limit - 1)} LIMIT 2`,
      params,
    );
    return rows.length === 2 ? Number(rows[0].ms) : null;
  }

  /** Streams [after, to] in chunks of `chunk` rows: memory of one chunk whatever the range. */
  async *chunks(seriesId: string, channels: number, q: { from?: number; to?: number; after?: number; chunk: number }): AsyncGenerator<ObservationBlock> {
    let after = q.after;
    for (;;) {
      const p = await this.page(seriesId, channels, { from: q.from, to: q.to, after, limit: q.chunk });
      if (p.timestamps.length) yield p;
      if (p.last === null) return;
      after = p.last;
    }
  }

  /** The newest `limit` rows (returned oldest first): the context window of a forecast, or the windows of a backtest. */
  async tail(seriesId: string, channels: number, limit: number): Promise<ObservationBlock> {
    const rows: { ms: string; values: (number | null)[] }[] = await this.ds.query(
      `SELECT ms, "values" FROM (SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms, "values", ts FROM observations
       WHERE series_id = $1 ORDER BY ts DESC LIMIT $2) t ORDER BY ts`,
      [seriesId, limit],
    );
    const values = Array.from({ length: channels }, () => new Array<number | null>(rows.length));
    rows.forEach((r, i) => values.forEach((col, c) => (col[i] = r.values[c] ?? null)));
    return { timestamps: rows.map((r) => Number(r.ms)), values };
  }

  async channelIndex(tenantId: string, seriesId: string, channel: string): Promise<number | null> {
    const s = await this.series.get(tenantId, seriesId);
    const i = s.channels.indexOf(channel);
    return i >= 0 ? i : null;
  }

  /** Only the timestamps, for stats and frequency inference. */
  async timestamps(seriesId: string): Promise<number[]> {
    const rows: { ms: string }[] = await this.ds.query(
      `SELECT (extract(epoch FROM ts) * 1000)::bigint AS ms FROM observations WHERE series_id = $1 ORDER BY ts`,
      [seriesId],
    );
    return rows.map((r) => Number(r.ms));
  }

  async missingPerChannel(seriesId: string, channels: number): Promise<number[]> {
    const rows: { c: number; n: string }[] = await this.ds.query(
      `SELECT c, count(*) AS n FROM observations, generate_series(1, $2) AS c
       WHERE series_id = $1 AND "values"[c] IS NULL GROUP BY c`,
      [seriesId, channels],
    );
    const out = new Array<number>(channels).fill(0);
    for (const r of rows) out[r.c - 1] = Number(r.n);
    return out;
  }
}

function rangeWhere(seriesId: string, q: { from?: number; to?: number; after?: number }): { where: string; params: unknown[] } {
  const params: unknown[] = [seriesId];
  let where = 'series_id = $1';
  if (q.from !== undefined) where += ` AND ts >= $${params.push(new Date(q.from).toISOString())}`;
  if (q.to !== undefined) where += ` AND ts <= $${params.push(new Date(q.to).toISOString())}`;
  if (q.after !== undefined) where += ` AND ts > $${params.push(new Date(q.after).toISOString())}`;
  return { where, params };
}

function toBlock(rows: { ms: string; values: (number | null)[] }[], channels: number): ObservationBlock {
  const timestamps = new Array<number>(rows.length);
  const values = Array.from({ length: channels }, () => new Array<number | null>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    timestamps[i] = Number(rows[i].ms);
    const v = rows[i].values;
    for (let c = 0; c < channels; c++) values[c][i] = v[c] ?? null;
  }
  return { timestamps, values };
}
