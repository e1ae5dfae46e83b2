import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '#model-runtime';
import { parseTimestamp } from '#timeseries';
import { baselineEntry } from './backtest-baselines';
import { finishSeries, prepareSeries } from './pipeline';

// The forecast path on years 1..9999: the output grid continues the series' calendar, and a horizon
// that would step past 9999-12-31 is refused rather than written as an expanded year (+010000-...).

const entry: ManifestEntry = { ...baselineEntry('naive', [0.5]), contextLength: 512 };
const iso = (ms: number) => new Date(ms).toISOString();

/** First of each month (every `step` months) from year y, month 1, for n points, as epoch ms. */
function monthStarts(y: number, n: number, step = 1): number[] {
  return Array.from({ length: n }, (_, k) => {
    const m = k * step;
    return parseTimestamp(`${String(y + Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}-01`);
  });
}

function forecast(ts: number[], horizon: number) {
  const p = prepareSeries(
    ts,
    ts.map((_, i) => 10 + (i % 12)),
    entry,
    { span: { horizon }, quantiles: [0.5] },
  );
  return finishSeries(
    p,
    Array.from({ length: p.request.horizon }, (_, i) => [i]),
    [0.5],
    [0.5],
    'value',
  );
}

describe('forecasts of historical series', () => {
  it('continues an 18th-century monthly series into the next year', () => {
    const r = forecast(monthStarts(1749, 32 * 12), 3);
    expect(r.timestamps.map(iso)).toEqual(['1781-01-01T00:00:00.000Z', '1781-02-01T00:00:00.000Z', '1781-03-01T00:00:00.000Z']);
    expect(r.metadata.sourceGrid).toMatchObject({
      first: '1749-01-01T00:00:00.000Z',
      last: '1780-12-01T00:00:00.000Z',
      inferredFrequency: '1M',
      missingSteps: 0,
    });
    expect(r.metadata.modelGrid).toMatchObject({ step: '1M', anchor: '1780-12-01T00:00:00.000Z' });
    expect(r.metadata.output).toMatchObject({ first: '1781-01-01T00:00:00.000Z', last: '1781-03-01T00:00:00.000Z', exact: 3 });
  });

  it('continues a yearly series of the 9th century into year 900, and one of years 1..99 into 100', () => {
    expect(forecast(monthStarts(800, 100, 12), 2).timestamps.map(iso)).toEqual(['0900-01-01T00:00:00.000Z', '0901-01-01T00:00:00.000Z']);
    expect(forecast(monthStarts(1, 99, 12), 1).timestamps.map(iso)).toEqual(['0100-01-01T00:00:00.000Z']);
  });

  it('forecasts up to 9999-12 and refuses a horizon past it with HORIZON_TOO_LONG naming the steps that fit', () => {
    const ts = monthStarts(9990, 118);
    expect(iso(ts[ts.length - 1])).toBe('9999-10-01T00:00:00.000Z');
    expect(forecast(ts, 2).timestamps.map(iso)).toEqual(['9999-11-01T00:00:00.000Z', '9999-12-01T00:00:00.000Z']);
    expect(() => forecast(ts, 3)).toThrow(expect.objectContaining({ code: 'HORIZON_TOO_LONG', status: 422, details: { maxHorizon: 2 } }));
  });
});
