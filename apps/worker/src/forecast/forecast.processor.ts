import { Injectable } from '@nestjs/common';
import { ForecastService } from '#forecasting';
import { JobName, JobOutcome, JobPayloads } from '#jobs';

@Injectable()
export class ForecastProcessor {
  constructor(private readonly forecasts: ForecastService) {}

  readonly handlers = {
    [JobName.Forecast]: (p: JobPayloads['forecast']): Promise<JobOutcome> => this.forecasts.run(p),
  };
}
