import type { ModelGrid } from './grid';
import type { ResampleMethod } from './resample';
import type { SeriesStats } from './stats';

/** How a client's timestamps were mapped onto the model grid and back (ARCHITECTURE.md). */
export interface ResamplingMetadata {
  sourceGrid: {
    observations: number;
    first: string | null;
    last: string | null;
    medianStepMs: number | null;
    stepDispersion: number | null;
    duplicates: number;
    missingSteps: number | null;
    inferredFrequency: string | null;
  };
  modelGrid: { anchor: string; step: string; length: number; chosenBy: ModelGrid['chosenBy'] };
  method: Record<string, ResampleMethod>;
  imputed: { count: number; fraction: number; missing: number };
  scaleFactor: number | null;
  seasonalPeriod: number | null;
  output: {
    mode: 'horizon' | 'until' | 'at';
    requested: number;
    first: string | null;
    last: string | null;
    exact: number;
    interpolated: number;
    gridSteps: number;
  };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function buildMetadata(args: {
  stats: SeriesStats;
  grid: ModelGrid;
  method: Record<string, ResampleMethod>;
  imputedCount: number;
  missingCount: number;
  gridPoints: number;
  scaleFactor: number | null;
  seasonalPeriod: number | null;
  output: { mode: 'horizon' | 'until' | 'at'; timestamps: number[]; how: ('exact' | 'interpolated')[]; gridSteps: number };
}): ResamplingMetadata {
  const { stats, grid, output } = args;
  return {
    sourceGrid: {
      observations: stats.count, first: iso(stats.first), last: iso(stats.last), medianStepMs: stats.medianStepMs,
      stepDispersion: stats.stepDispersion, duplicates: stats.duplicates, missingSteps: stats.missingSteps,
      inferredFrequency: stats.inferredFrequency,
    },
    modelGrid: { anchor: new Date(grid.anchor).toISOString(), step: grid.step, length: grid.length, chosenBy: grid.chosenBy },
    method: args.method,
    imputed: { count: args.imputedCount, fraction: args.gridPoints ? args.imputedCount / args.gridPoints : 0, missing: args.missingCount },
    scaleFactor: args.scaleFactor,
    seasonalPeriod: args.seasonalPeriod,
    output: {
      mode: output.mode, requested: output.timestamps.length, first: iso(output.timestamps[0] ?? null),
      last: iso(output.timestamps[output.timestamps.length - 1] ?? null),
      exact: output.how.filter((h) => h === 'exact').length, interpolated: output.how.filter((h) => h === 'interpolated').length,
      gridSteps: output.gridSteps,
    },
  };
}
