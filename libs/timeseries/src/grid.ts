import { Frequency, stepForward } from './frequency';

export type GridChoice = 'declared' | 'inferred' | 'requested';

export interface ModelGrid {
  timestamps: number[];
  anchor: number;
  step: string;
  length: number;
  chosenBy: GridChoice;
  frequency: Frequency;
}

/**
 * The regular grid the model reads: `length` points of `frequency` ending at `anchor` (by default
 * the last observation, so the last grid point is the last observed time).
 */
export function buildGrid(opts: { anchor: number; frequency: Frequency; length: number; chosenBy: GridChoice }): ModelGrid {
  const { anchor, frequency, length } = opts;
  if (length < 1) throw new Error('a grid needs at least one point');
  const ts = new Array<number>(length);
  if (frequency.kind === 'fixed') {
    for (let i = 0; i < length; i++) ts[i] = anchor - (length - 1 - i) * frequency.stepMs;
  } else {
    ts[length - 1] = anchor;
    for (let i = length - 2; i >= 0; i--) ts[i] = stepForward(anchor, frequency, i - (length - 1));
  }
  return { timestamps: ts, anchor, step: frequency.label, length, chosenBy: opts.chosenBy, frequency };
}

/** Number of grid steps needed to cover [first, anchor], capped at `max`. */
export function gridLengthCovering(first: number, anchor: number, frequency: Frequency, max: number): number {
  let n = 1;
  if (frequency.kind === 'fixed') n = Math.floor((anchor - first) / frequency.stepMs) + 1;
  else for (let t = anchor; t > first && n < max; t = stepForward(t, frequency, -1)) n++;
  return Math.max(1, Math.min(n, max));
}

/** The next `horizon` grid timestamps after the anchor. */
export function futureGrid(anchor: number, frequency: Frequency, horizon: number): number[] {
  const out = new Array<number>(horizon);
  for (let i = 0; i < horizon; i++) out[i] = frequency.kind === 'fixed' ? anchor + (i + 1) * frequency.stepMs : stepForward(anchor, frequency, i + 1);
  return out;
}
