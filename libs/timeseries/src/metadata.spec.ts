import { describe, expect, it } from 'vitest';
import { seasonalNaive } from './baselines';
import { buildGrid, futureGrid, horizonToCover } from './grid';
import { buildMetadata } from './metadata';
import { mapForecast } from './output-map';
import { resampleChannels } from './resample';
import { detectSeasonalPeriod, seasonalCandidates } from './seasonality';
import { seriesStats } from './stats';
import { loadDataset } from './testing/fixture-data';

const H = 3_600_000;

describe('buildMetadata', () => {
  it('records a whole pedestrian forecast: irregular hours onto a 512-point grid and back to off-grid times', () => {
    const full = loadDataset('tsibble/pedestrian_hourly.csv').get('Birrarung Marr')!;
    // cut the series 200 observations after its first gap, as a backtest would
    const cut = full.timestamps.findIndex((t, i) => i > 0 && t - full.timestamps[i - 1] > H) + 200;
    const s = { timestamps: full.timestamps.slice(0, cut), values: full.values.slice(0, cut) };
    const stats = seriesStats(s.timestamps);
    const grid = buildGrid({ timestamps: s.timestamps, length: 512 });
    const res = resampleChannels(s.timestamps, [{ name: 'count', values: s.values, method: 'linear' }], grid.timestamps);
    const context = res.channels.get('count')!.values;
    const { period } = detectSeasonalPeriod(context, { candidates: seasonalCandidates(grid.frequency) });
    const last = grid.timestamps[grid.length - 1];
    const requested = [last + 1.5 * H, last + 24 * H, last + 0.25 * H];
    const horizonSteps = horizonToCover(last, grid.frequency, requested);
    const steps = futureGrid(last, grid.frequency, horizonSteps);
    const point = seasonalNaive(context, horizonSteps, period);
    const mapped = mapForecast(
      steps,
      Array.from(point, (v) => [v - 10, v, v + 10]),
      requested,
      { t: last, value: context[grid.length - 1] },
    );

    const md = buildMetadata({
      stats,
      grid,
      method: res.method,
      channels: res.channels,
      seasonalPeriod: period,
      scaleFactor: null,
      output: { mode: 'at', timestamps: mapped.timestamps, how: mapped.how, gridSteps: horizonSteps },
    });

    // independently: hours absent from the last 512 grid points
    const present = new Set(s.timestamps);
    const absent = grid.timestamps.filter((t) => !present.has(t)).length;
    expect(absent).toBeGreaterThan(0);
    expect(md).toEqual({
      sourceGrid: {
        observations: s.timestamps.length,
        first: new Date(s.timestamps[0]).toISOString(),
        last: new Date(last).toISOString(),
        inferredFrequency: '1h',
        medianStepMs: H,
        stepDispersion: 0,
        duplicates: 0,
        missingSteps: stats.missingSteps,
      },
      modelGrid: {
        anchor: new Date(last).toISOString(),
        step: '1h',
        length: 512,
        chosenBy: 'inferred',
        first: new Date(last - 511 * H).toISOString(),
        last: new Date(last).toISOString(),
        coarsening: null,
      },
      method: { count: 'linear' },
      imputed: { count: absent, fraction: absent / 512, missing: 0, byChannel: { count: { count: absent, missing: 0 } } },
      scaleFactor: null,
      seasonalPeriod: 24,
      output: {
        mode: 'at',
        requested: 3,
        first: new Date(last + 0.25 * H).toISOString(),
        last: new Date(last + 24 * H).toISOString(),
        exact: 1,
        interpolated: 2,
        gridSteps: 24,
      },
      contextSelection: null,
      seasonalAdjustment: null,
      modelInput: null,
    });
    expect(JSON.parse(JSON.stringify(md))).toEqual(md);
  });

  it('counts over several channels and accepts a plain record of channels', () => {
    const grid = buildGrid({ anchor: 3 * H, frequency: '1h', length: 4 });
    const res = resampleChannels(
      [0, 2 * H, 3 * H],
      [
        { name: 'a', values: [1, 2, 3], method: 'linear' },
        { name: 'b', values: [1, NaN, 3], method: 'none' },
      ],
      grid.timestamps,
    );
    const md = buildMetadata({
      stats: seriesStats([0, 2 * H, 3 * H]),
      grid,
      method: res.method,
      channels: Object.fromEntries(res.channels),
      scaleFactor: 2.5,
      seasonalPeriod: 1,
      output: { mode: 'horizon', timestamps: [], how: [], gridSteps: 0 },
    });
    expect(md.imputed).toEqual({ count: 1, fraction: 1 / 8, missing: 2, byChannel: { a: { count: 1, missing: 0 }, b: { count: 0, missing: 2 } } });
    expect(md.output).toEqual({ mode: 'horizon', requested: 0, first: null, last: null, exact: 0, interpolated: 0, gridSteps: 0 });
    expect([md.scaleFactor, md.sourceGrid.missingSteps]).toEqual([2.5, 1]);
  });

  it('records context selection, scores to 6 significant digits', () => {
    const grid = buildGrid({ anchor: 0, frequency: '1h', length: 4 });
    const md = buildMetadata({
      stats: seriesStats([0]),
      grid,
      method: { v: 'linear' },
      contextSelection: { candidates: [2, 4], validationSteps: 1, validationWindows: 2, scores: [0.123456789, 2], chosen: [2, 4] },
      output: { mode: 'horizon', timestamps: [], how: [], gridSteps: 0 },
    });
    expect(md.contextSelection).toEqual({ candidates: [2, 4], validationSteps: 1, validationWindows: 2, scores: [0.123457, 2], chosen: [2, 4] });
  });

  it('takes totals instead of per-channel results', () => {
    const grid = buildGrid({ anchor: 0, frequency: '1D', length: 10 });
    const md = buildMetadata({
      stats: seriesStats([0]),
      grid,
      method: { v: 'linear' },
      imputedCount: 3,
      missingCount: 1,
      output: { mode: 'until', timestamps: [2 * 86_400_000, 86_400_000], how: ['exact', 'exact'], gridSteps: 2 },
    });
    expect(md.imputed).toEqual({ count: 3, fraction: 0.3, missing: 1 });
    expect(md.output).toMatchObject({ requested: 2, first: '1970-01-02T00:00:00.000Z', last: '1970-01-03T00:00:00.000Z', exact: 2, interpolated: 0 });
    expect([md.scaleFactor, md.seasonalPeriod]).toEqual([null, null]);
  });
});
