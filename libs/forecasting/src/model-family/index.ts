import type { FamilyName, ManifestEntry, SeriesRequest } from '#model-runtime';
import { Frequency, defaultSeasonalPeriod, detectSeasonalPeriod, seasonalCandidates } from '#timeseries';
import { ssmScalePeriod, xlstmGrid } from '../pipeline';

/**
 * The forecasting side of a model family (the run side is #model-runtime's ModelFamily): which grid
 * the model reads a series on and which per-series time-scale input it takes. Chosen once by the
 * manifest's `family` (gridFamily); the pipeline does not branch on the family.
 */
export interface GridFamily {
  /** Another grid than the series' own for a catalog forecast (`coarsen`); null: its own. */
  regrid(entry: ManifestEntry, f: Frequency, contextSteps: number, coarsen: boolean): { frequency: Frequency; factor: number } | null;
  /** The time-scale input of a context (scale factor, detected season); null: none. */
  timeScale(entry: ManifestEntry, f: Frequency, context: Float64Array): { scaleFactor: number; seasonalPeriod: number } | null;
  /** Whether the model honours SeriesRequest.padToContext. */
  readonly padsToContext: boolean;
  /** metadata.modelInput.rule: whole patches (contextPadding) or the model's window. */
  rule(feed: Pick<ManifestEntry, 'contextPadding'>, request: Pick<SeriesRequest, 'padToContext'>): 'whole-patches' | 'window';
}

/** No time-scale input: long seasons are read on a coarser grid (xlstmGrid). */
const XLSTM_GRID: GridFamily = {
  regrid: (entry, f, contextSteps, coarsen) => (coarsen ? xlstmGrid(f, contextSteps, entry.seasons) : null),
  timeScale: () => null,
  padsToContext: true,
  rule: (feed, request) => (feed.contextPadding !== undefined && request.padToContext !== true ? 'whole-patches' : 'window'),
};

/** The series' own grid, and a scale factor s = 24 / p from the season detected on the context. */
const SSM_GRID: GridFamily = {
  regrid: () => null,
  timeScale(entry, f, context) {
    const found = detectSeasonalPeriod(context, { candidates: seasonalCandidates(f) });
    const seasonalPeriod = found.detected ? found.period : defaultSeasonalPeriod(f);
    // P = floor(24 / s) steps per decoder position must stay >= 1: s <= 24.
    return { seasonalPeriod, scaleFactor: Math.min(24, 24 / ssmScalePeriod(seasonalPeriod, entry.scalePeriods)) };
  },
  padsToContext: false,
  rule: () => 'window',
};

const FAMILIES: Record<FamilyName, GridFamily> = { xlstm: XLSTM_GRID, ssm: SSM_GRID };

export function gridFamily(entry: Pick<ManifestEntry, 'family'>): GridFamily {
  return FAMILIES[entry.family];
}
