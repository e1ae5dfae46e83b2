import { InvalidInputError } from '#common';
import { isBaseline } from '#forecasting';
import { ModelCatalog } from '#model-runtime';

/**
 * The one place the api validates backtest model ids: baselines always pass; catalog models must
 * exist (404 MODEL_NOT_FOUND), offer every requested quantile and forecast the horizon.
 */
export function validateBacktestModels(catalog: ModelCatalog, models: string[], quantiles: number[], horizon: number): void {
  for (const id of models) {
    if (isBaseline(id)) continue;
    // fine-tuned models resolve here: a tenant's fine-tuned name -> its base model's limits
    const entry = catalog.get(id);
    const unknown = quantiles.filter((q) => !entry.quantiles.some((l) => Math.abs(l - q) < 1e-9));
    if (unknown.length) {
      throw new InvalidInputError('QUANTILE_NOT_AVAILABLE', `Model ${entry.id} has quantile levels ${entry.quantiles.join(', ')}; not ${unknown.join(', ')}`, { available: entry.quantiles });
    }
    if (horizon > entry.maxHorizon) {
      throw new InvalidInputError('HORIZON_TOO_LONG', `horizon ${horizon} exceeds model ${entry.id}'s limit of ${entry.maxHorizon} steps`, { maxHorizon: entry.maxHorizon });
    }
  }
}
