/**
 * The covariate evaluation's datasets and windows (npm run eval -- --covariates, docs/ACCURACY.md):
 * each dataset's series on a regular grid, the covariates each variant gives them, and forecast
 * origins: `test` windows at the end of the data, `validation` windows before all of them (where the
 * guard's margin is chosen).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CalendarSpec, CovariateColumn, CovariateSeries, calendarColumns } from '../../libs/forecasting/src/covariates';
import { parseCsv, parseTimestamp, readLongCsv } from '#timeseries';

const DAY = 86_400_000;
/** Rows of history per forecast: what the service reads for ssm-small (contextLength × 4). */
export const HISTORY_ROWS = 8192;

export interface GridSeries {
  id: string;
  t: number[];
  y: (number | null)[];
  /** Measured covariates on the same grid (NaN where missing), future-known or past per the dataset. */
  covariates: CovariateColumn[];
}

export interface CovariateDataset {
  name: string;
  frequency: string;
  stepMs: number;
  H: number;
  /** The guard's seasonal-naive period in grid steps. */
  m: number;
  /** Windows per series and their spacing in grid steps (test origins N − H − k·spacing). */
  windows: number;
  spacing: number;
  /** Generated calendar covariates of the `covariates` variant. */
  calendar?: CalendarSpec;
  series: GridSeries[];
}

export interface Task {
  dataset: string;
  series: string;
  split: 'validation' | 'test';
  origin: number;
  actual: (number | null)[];
  /** Without covariates (the target alone). */
  base: CovariateSeries;
  /** With the dataset's covariates. */
  withCovariates: CovariateSeries;
  /** With three random-walk covariates that have nothing to do with the target. */
  randomWalks: CovariateSeries;
}

function onGrid(ts: number[], vs: number[], stepMs: number): { t: number[]; v: (number | null)[] } {
  const at = new Map(ts.map((x, i) => [x, vs[i]]));
  const t: number[] = [];
  for (let x = Math.min(...ts); x <= Math.max(...ts); x += stepMs) t.push(x);
  return { t, v: t.map((x) => (Number.isFinite(at.get(x)) ? at.get(x)! : null)) };
}

function long(dir: string, file: string, stepMs: number): Map<string, { t: number[]; v: (number | null)[] }> {
  const out = new Map<string, { t: number[]; v: (number | null)[] }>();
  for (const [id, s] of readLongCsv(readFileSync(path.join(dir, file), 'utf8'))) out.set(id, onGrid(s.timestamps, s.values, stepMs));
  return out;
}

const col = (name: string, role: CovariateColumn['role'], v: (number | null)[]): CovariateColumn => ({
  name,
  role,
  values: Float64Array.from(v, (x) => x ?? NaN),
});

export function loadDatasets(dir: string): CovariateDataset[] {
  // vic_elec: the wide file has the dataset's own Holiday flag next to Demand and Temperature.
  const rows = parseCsv(readFileSync(path.join(dir, 'tsibbledata/vic_elec_halfhourly_wide.csv'), 'utf8'));
  const head = rows[0].fields;
  const ix = (k: string) => head.indexOf(k);
  const vt = rows.slice(1).map((r) => parseTimestamp(r.fields[ix('timestamp')]));
  const num = (k: string) => rows.slice(1).map((r) => Number(r.fields[ix(k)]));
  const demand = onGrid(vt, num('Demand'), DAY / 48);
  const temp = onGrid(vt, num('Temperature'), DAY / 48).v;
  const hol = onGrid(vt, num('Holiday'), DAY / 48).v;
  const vic: CovariateDataset = {
    name: 'vic_elec',
    frequency: '30min',
    stepMs: DAY / 48,
    H: 48,
    m: 48,
    windows: 8,
    spacing: 44 * 48,
    series: [{ id: 'Demand', t: demand.t, y: demand.v, covariates: [col('Temperature', 'future', temp), col('Holiday', 'future', hol)] }],
  };
  const ili = long(dir, 'autoformer/national_illness.csv', 7 * DAY);
  const illness: CovariateDataset = {
    name: 'national_illness',
    frequency: 'W',
    stepMs: 7 * DAY,
    H: 24,
    m: 52,
    windows: 2,
    spacing: 24,
    series: [...ili].map(([id, s]) => ({
      id,
      t: s.t,
      y: s.v,
      covariates: [...ili].filter(([o]) => o !== id).map(([o, c]) => col(o, 'past', c.v)),
    })),
  };
  const ped = long(dir, 'tsibble/pedestrian_hourly.csv', DAY / 24);
  const pedestrian: CovariateDataset = {
    name: 'pedestrian_hourly',
    frequency: 'h',
    stepMs: DAY / 24,
    H: 48,
    m: 168,
    windows: 3,
    spacing: 336,
    calendar: { hourOfDay: true, dayOfWeek: true, holidays: 'AU-VIC' },
    series: [...ped].map(([id, s]) => ({ id, t: s.t, y: s.v, covariates: [] })),
  };
  const pey = long(dir, 'prophet/peyton_manning_daily.csv', DAY);
  const peyton: CovariateDataset = {
    name: 'peyton_manning_daily',
    frequency: 'D',
    stepMs: DAY,
    H: 30,
    m: 7,
    windows: 12,
    spacing: 30,
    calendar: { dayOfWeek: true, month: true, holidays: 'US' },
    series: [...pey].map(([id, s]) => ({ id, t: s.t, y: s.v, covariates: [] })),
  };
  return [vic, illness, pedestrian, peyton];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

function randomWalks(n: number, seed: number): CovariateColumn[] {
  const r = rng(seed);
  return [0, 1, 2].map((k) => {
    const w = new Float64Array(n);
    for (let i = 1; i < n; i++) w[i] = w[i - 1] + Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
    return { name: `randomWalk${k}`, role: 'future' as const, values: w };
  });
}

/** Every window of every series, both splits: the three variants of each share history and horizon. */
export function tasks(d: CovariateDataset): Task[] {
  const out: Task[] = [];
  for (const [si, s] of d.series.entries()) {
    const N = s.t.length;
    for (const split of ['validation', 'test'] as const)
      for (let k = 0; k < d.windows; k++) {
        const origin = N - d.H - k * d.spacing - (split === 'validation' ? d.windows * d.spacing : 0);
        const from = Math.max(0, origin - HISTORY_ROWS);
        if (origin - from < 4 * d.H) continue;
        const t = s.t.slice(from, origin + d.H);
        const slice = (c: CovariateColumn): CovariateColumn => ({ ...c, values: Array.prototype.slice.call(c.values, from, origin + d.H) as number[] });
        const base: CovariateSeries = { timestamps: t, history: s.y.slice(from, origin), horizon: d.H, season: d.m, covariates: [] };
        const cal = d.calendar ? calendarColumns(t, d.calendar).map((c) => ({ name: c.name, role: 'calendar' as const, values: c.values })) : [];
        out.push({
          dataset: d.name,
          series: s.id,
          split,
          origin,
          actual: s.y.slice(origin, origin + d.H),
          base,
          withCovariates: { ...base, covariates: [...s.covariates.map(slice), ...cal] },
          randomWalks: { ...base, covariates: randomWalks(t.length, 1000 * si + k + (split === 'test' ? 7 : 0)) },
        });
      }
  }
  return out;
}
