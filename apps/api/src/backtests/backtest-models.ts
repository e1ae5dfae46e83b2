import { isBaseline } from '#forecasting';
import { ModelDirectory, checkModelLimits } from '../models/model-directory.service';

/**
 * The one place the api validates backtest model ids: baselines always pass; catalog models and
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
    if (isBaseline(id)) continue;
    // fine-tuned models resolve here: a tenant's fine-tuned name -> its base model's limits
    const { entry } = await directory.resolve(tenantId, id);
    checkModelLimits(entry, { quantiles, horizon }, id);
  }
}
