import { addBusinessDays, isWeekend } from './calendar';
import { TimeseriesError } from './errors';
import { Frequency, inferFrequency, parseFrequency, stepForward, stepsBetween } from './frequency';

export type GridChoice = 'declared' | 'inferred' | 'requested';

export interface GridOptions {
  /** Observation times (any order, duplicates allowed); optional when anchor and length are given. */
  timestamps?: ArrayLike<number>;
  /** A frequency label or value; omitted: inferred from the timestamps. */
  frequency?: Frequency | string;
  /** Where `frequency` came from: the series' declaration (default) or the request; overrides 'inferred' too. */
  chosenBy?: GridChoice;
  /** A time the grid passes through; default the last observation. Weekend anchors of a B grid roll back to Friday. */
  anchor?: number;
  /** The grid ends at its last point at or before `end`; default the last observation, else the anchor. */
  end?: number;
  /** Number of grid points; default from the first observation (inclusive, rounded up onto the grid) to the end. */
  length?: number;
  /** Refuse grids longer than this (default 1,000,000 points). */
  maxLength?: number;
}

export interface ModelGrid {
  timestamps: number[];
  frequency: Frequency;
  /** Canonical label of the step, e.g. 1h or 1M. */
  step: string;
  anchor: number;
  length: number;
  chosenBy: GridChoice;
}

function bad(message: string): TimeseriesError {
  return new TimeseriesError('INVALID_ARGUMENT', message);
}

/** Index k of the last grid point anchor + k steps that is at or before t. */
export function gridIndexAtOrBefore(anchor: number, f: Frequency, t: number): number {
  if (f.kind === 'fixed') return Math.floor((t - anchor) / f.stepMs);
  let k = Math.round(stepsBetween(anchor, t, f));
  while (stepForward(anchor, f, k) > t) k--;
  while (stepForward(anchor, f, k + 1) <= t) k++;
  return k;
}

/** Index k of the first grid point anchor + k steps that is at or after t. */
export function gridIndexAtOrAfter(anchor: number, f: Frequency, t: number): number {
  const k = gridIndexAtOrBefore(anchor, f, t);
  return stepForward(anchor, f, k) === t ? k : k + 1;
}

/**
 * The regular grid a model reads: points anchor + k steps (calendar-aware), ending at the last
 * point at or before `end`. With the defaults the last grid point is the last observation.
 */
export function buildGrid(o: GridOptions): ModelGrid {
  const obs = o.timestamps ?? [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < obs.length; i++) {
    const t = obs[i];
    if (t < min) min = t;
    if (t > max) max = t;
  }
  let frequency: Frequency;
  let chosenBy: GridChoice;
  if (o.frequency !== undefined) {
    frequency = parseFrequency(o.frequency);
    chosenBy = o.chosenBy ?? 'declared';
  } else {
    const inferred = inferFrequency(obs);
    if (!inferred) throw bad('at least two distinct timestamps are needed to infer a frequency; declare one');
    frequency = inferred.frequency;
    chosenBy = o.chosenBy ?? 'inferred';
  }
  let anchor = o.anchor ?? max;
  const end = o.end ?? (obs.length ? max : anchor);
  if (!Number.isFinite(anchor) || !Number.isFinite(end)) throw bad('a grid needs observations, or an anchor and an end');
  if (frequency.kind === 'business-day' && isWeekend(anchor)) anchor = addBusinessDays(anchor, -1);
  const kEnd = gridIndexAtOrBefore(anchor, frequency, end);
  let length: number;
  if (o.length !== undefined) {
    if (!(Number.isInteger(o.length) && o.length >= 1)) throw bad(`grid length must be a positive integer, got ${o.length}`);
    length = o.length;
  } else {
    if (!Number.isFinite(min)) throw bad('a grid without observations needs a length');
    length = Math.max(0, kEnd - gridIndexAtOrAfter(anchor, frequency, min) + 1);
  }
  const maxLength = o.maxLength ?? 1_000_000;
  if (length > maxLength) throw bad(`the grid would have ${length} points at ${frequency.label} (limit ${maxLength}); ask for fewer`);
  const timestamps = new Array<number>(length);
  const kStart = kEnd - length + 1;
  for (let i = 0; i < length; i++) timestamps[i] = stepForward(anchor, frequency, kStart + i);
  return { timestamps, frequency, step: frequency.label, anchor, length, chosenBy };
}

/** Grid points from the first at or after `first` to `anchor`, at most `max` (the latest ones). */
export function gridLengthCovering(first: number, anchor: number, f: Frequency, max: number): number {
  return Math.max(1, Math.min(max, 1 - gridIndexAtOrAfter(anchor, f, first)));
}

/** The next `horizon` grid points after `last` (forecast times). */
export function futureGrid(last: number, f: Frequency, horizon: number): number[] {
  const out = new Array<number>(horizon);
  for (let h = 0; h < horizon; h++) out[h] = stepForward(last, f, h + 1);
  return out;
}

/** Fewest steps after `last` whose grid reaches every requested time (0 when none lies after it). */
export function horizonToCover(last: number, f: Frequency, requested: ArrayLike<number>): number {
  let latest = -Infinity;
  for (let i = 0; i < requested.length; i++) latest = Math.max(latest, requested[i]);
  return latest > last ? gridIndexAtOrAfter(last, f, latest) : 0;
}
