import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationsRepository, TransactionRunner } from '#db';
import { BASELINE_CONTEXT, BacktestService, backtestRowsNeeded } from '#forecasting';
import { Stack, startStack, waitForJob } from '../support/stack';

/**
 * A backtest reads only the newest backtestRowsNeeded rows of a series, not its whole history. The
 * real ObservationsRepository on the running worker is wrapped in place to record its calls; the
 * same backtest is then rerun with `tail` answering the whole history, and every metric must match.
 */
const N = 20_000;
const REQ = { models: ['naive', 'xlstm-small'], horizon: 24, windows: 3, step: 12, quantiles: [0.1, 0.5, 0.9] };

/** Hourly load-like values: daily and weekly cycles, a slow trend and seeded noise (deterministic). */
function series(): { timestamps: string[]; values: number[] } {
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 8;
  const t0 = Date.UTC(2020, 0, 1);
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let i = 0; i < N; i++) {
    timestamps.push(new Date(t0 + i * 3_600_000).toISOString());
    values.push(100 + 0.002 * i + 20 * Math.sin((2 * Math.PI * i) / 24) + 6 * Math.sin((2 * Math.PI * i) / 168) + noise());
  }
  return { timestamps, values };
}

describe('backtests read only the tail they need (real api + worker)', () => {
  let stack: Stack;
  let key: string;
  let tenantId: string;
  let seriesId: string;
  const calls: { method: 'read' | 'tail'; seriesId: string; limit?: number; rows: number }[] = [];
  let repo: ObservationsRepository;
  let realTail: ObservationsRepository['tail'];

  beforeAll(async () => {
    stack = await startStack();
    ({ key, tenantId } = await stack.tenant());
    const c = await stack.request('POST', '/v1/series', { key, json: { name: 'long-hourly', frequency: '1h' } });
    expect(c.status).toBe(201);
    seriesId = c.body.id;
    const s = series();
    for (let at = 0; at < N; at += 5000) {
      const up = await stack.request('POST', `/v1/series/${seriesId}/observations`, {
        key,
        json: { timestamps: s.timestamps.slice(at, at + 5000), values: [s.values.slice(at, at + 5000)] },
      });
      expect(up.status).toBe(200);
    }
    repo = stack.worker!.get(ObservationsRepository);
    const realRead = repo.read.bind(repo);
    realTail = repo.tail.bind(repo);
    repo.read = async (t: string, id: string) => {
      const b = await realRead(t, id);
      calls.push({ method: 'read', seriesId: id, rows: b.timestamps.length });
      return b;
    };
    repo.tail = async (id: string, channels: number, limit: number) => {
      const b = await realTail(id, channels, limit);
      calls.push({ method: 'tail', seriesId: id, limit, rows: b.timestamps.length });
      return b;
    };
  });
  afterAll(() => stack?.close());

  it('reads backtestRowsNeeded rows with tail, never the whole series, and the metrics equal a whole-history run', async () => {
    const r = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [seriesId], ...REQ } });
    expect(r.status).toBe(202);
    expect((await waitForJob(stack, key, r.body.jobId, 180_000)).state).toBe('SUCCEEDED');
    const mine = calls.filter((c) => c.seriesId === seriesId);
    expect(mine.some((c) => c.method === 'read')).toBe(false);
    // Seasonal naive's BASELINE_CONTEXT (4096) is the longest context here: xlstm-small reads 1024.
    const limit = backtestRowsNeeded(REQ, BASELINE_CONTEXT);
    expect(limit).toBe(4 * (2 * 12 + 24 + 4096));
    expect(mine.filter((c) => c.method === 'tail')).toEqual([{ method: 'tail', seriesId, limit, rows: limit }]);
    expect(limit).toBeLessThan(N);
    const tailed = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;

    // The same job with the whole history behind tail(): every metric, scales included, unchanged.
    repo.tail = async (id: string) => repo.read(tenantId, id);
    const out = await stack.worker!.get(BacktestService).run({ jobId: r.body.jobId, tenantId, backtestId: r.body.id });
    await stack.worker!.get(TransactionRunner).run((em) => out.write!(em));
    expect(calls.filter((c) => c.seriesId === seriesId && c.method === 'read').map((c) => c.rows)).toEqual([N]);
    const whole = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;
    for (const model of REQ.models) {
      const a = tailed.series[0].models[model];
      const b = whole.series[0].models[model];
      expect(a.status).toBe('SUCCEEDED');
      const pairs: [number, number][] = [];
      const collect = (x: Record<string, unknown>, y: Record<string, unknown>) => {
        for (const [k, v] of Object.entries(x)) {
          if (typeof v === 'number') pairs.push([v, y[k] as number]);
          else if (v && typeof v === 'object') collect(v as Record<string, unknown>, y[k] as Record<string, unknown>);
        }
      };
      collect(a, b);
      expect(pairs.length).toBeGreaterThan(50);
      for (const [x, y] of pairs) expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
      expect(a.metrics.mase).toBeGreaterThan(0);
    }
  });
});
