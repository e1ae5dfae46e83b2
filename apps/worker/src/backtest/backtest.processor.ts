import { Injectable } from '@nestjs/common';
import { BacktestService } from '#forecasting';
import { JobContext, JobName, JobOutcome, JobPayloads } from '#jobs';

@Injectable()
export class BacktestProcessor {
  constructor(private readonly backtests: BacktestService) {}

  readonly handlers = {
    [JobName.Backtest]: (p: JobPayloads['backtest'], ctx: JobContext): Promise<JobOutcome> => this.backtests.run(p, ctx),
  };
}
