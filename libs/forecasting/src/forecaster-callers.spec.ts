import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const source = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

/**
 * STYLE.md 16: every caller forecasts through the one Forecaster. The pipeline's steps
 * (prepareSeries, forecastPrepared, finishSeries) are called by the Forecaster and by nothing else
 * in the serving code (tests and benchmarks of the steps themselves aside), and no code outside the
 * two family modules branches on a model's family.
 */
describe('one Forecaster, one ModelFamily', () => {
  const tracked = execFileSync('git', ['ls-files', 'apps', 'libs', 'scripts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.ts$/.test(f) && !/\.spec\.ts$/.test(f));

  it('calls prepareSeries / forecastPrepared / finishSeries only from the Forecaster (and the pipeline itself)', () => {
    const own = new Set(['libs/forecasting/src/forecaster.ts', 'libs/forecasting/src/pipeline.ts', 'libs/forecasting/src/context-selection.ts']);
    const callers = tracked.filter((f) => !own.has(f) && /\b(prepareSeries|forecastPrepared|finishSeries)\(/.test(source(f)));
    // Backtests map the model grid onto their windows' times themselves (finishSeries with a baseline's own levels);
    // the covariates experiment forces covariates on per variant, outside the served procedures (until they join the Forecaster).
    expect(callers).toEqual(['libs/forecasting/src/backtest.service.ts', 'scripts/eval/covariates.ts']);
    expect(source('libs/forecasting/src/backtest.service.ts')).not.toMatch(/\b(prepareSeries|forecastPrepared)\(/);
  });

  it('the callers named in issue #27 use the Forecaster', () => {
    for (const f of [
      'libs/forecasting/src/forecast.service.ts',
      'libs/forecasting/src/backtest.service.ts',
      'libs/forecasting/src/finetune/finetune.service.ts',
      'apps/cli/src/forecast-command.ts',
      'scripts/eval/run-models.ts',
    ])
      expect(source(f), f).toMatch(/new Forecaster\(/);
  });

  it('branches on the model family only in the family modules (and manifest validation)', () => {
    const allowed = new Set([
      'libs/model-runtime/src/model-family.ts',
      'libs/forecasting/src/model-family/index.ts',
      'libs/model-runtime/src/manifest.ts',
      // Fine-tuning's head maths and tensors differ per family by nature (the heads are different networks).
      'libs/forecasting/src/finetune/finetune.service.ts',
      'libs/forecasting/src/finetune/head-math.ts',
      'libs/forecasting/src/finetune/model-resolver.ts',
      'apps/api/src/finetunes/finetunes.service.ts',
    ]);
    const branching = tracked.filter((f) => !allowed.has(f) && /family\s*[!=]==\s*'(xlstm|ssm)'/.test(source(f)));
    expect(branching).toEqual([]);
  });
});
