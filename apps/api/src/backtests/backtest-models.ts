import { InvalidInputError } from '#common';
import { BASELINE_MAX_HORIZON, isBaseline } from '#forecasting';
import { ModelDirectory, checkModelLimits } from '../models/model-directory.service';

/**
 * The one place the api validates backtest model ids: baselines forecast at most BASELINE_MAX_HORIZON
 * steps (the same 422 HORIZON_TOO_LONG as a model's manifest limit); catalog models and
 * the tenant's fine-tuned models must exist (404 MODEL_NOT_FOUND, another tenant's names included),
 * offer every requested quantile and forecast the horizon (a fine-tuned model has its base's limits).
 */
export async function validateBacktestModels(
  directory: ModelDirectory,
  tenantId: string,
  models: string[],
  quantiles: number[],
  horizon: number,
): Promise<void> {
  for (const id of models) {
    if (isBaseline(id)) {
      if (horizon > BASELINE_MAX_HORIZON)
        throw new InvalidInputError('HORIZON_TOO_LONG', `horizon ${horizon} exceeds baseline ${id}'s limit of ${BASELINE_MAX_HORIZON} steps`, {
          maxHorizon: BASELINE_MAX_HORIZON,
        });
      continue;
    }
    // fine-tuned models resolve here: a tenant's fine-tuned name -> its base model's limits
    const { entry } = await directory.resolve(tenantId, id);
    checkModelLimits(entry, { quantiles, horizon }, id);
  }
}
