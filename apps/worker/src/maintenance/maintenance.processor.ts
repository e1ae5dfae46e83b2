import { Injectable } from '@nestjs/common';
import { SeriesStatsService } from '#forecasting';
import { JobName, JobOutcome, JobPayloads } from '#jobs';

/** Thin: the payload is already validated by the runner; the lib service does the work. */
@Injectable()
export class MaintenanceProcessor {
  constructor(private readonly stats: SeriesStatsService) {}

  readonly handlers = {
    [JobName.SeriesStats]: async (p: JobPayloads['series-stats']): Promise<JobOutcome> => {
      const stats = await this.stats.recompute(p.tenantId, p.seriesId);
      return { state: 'SUCCEEDED', result: stats ? { seriesId: p.seriesId, count: stats.count } : { seriesId: p.seriesId, deleted: true } };
    },
  };
}
