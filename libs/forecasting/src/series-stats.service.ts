import { Injectable } from '@nestjs/common';
import { NotFoundError } from '#common';
import { ObservationsRepository, SeriesRepository, SeriesStatsRecord } from '#db';
import { seriesStats } from '#timeseries';

/** Recomputes the stats a series reports (count, span, inferred frequency, regularity) after an ingest. */
@Injectable()
export class SeriesStatsService {
  constructor(
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
  ) {}

  async recompute(tenantId: string, seriesId: string): Promise<SeriesStatsRecord | null> {
    const s = await this.series.find(tenantId, seriesId);
    if (!s) return null; // deleted since the upload: nothing to do
    const timestamps = await this.observations.timestamps(s.id);
    const st = seriesStats(timestamps);
    const record: SeriesStatsRecord = {
      count: st.count,
      first: st.first === null ? null : new Date(st.first).toISOString(),
      last: st.last === null ? null : new Date(st.last).toISOString(),
      inferredFrequency: st.inferredFrequency,
      regularity: st.regularity,
      medianStepMs: st.medianStepMs,
      stepDispersion: st.stepDispersion,
      missingSteps: st.missingSteps,
      missingValues: await this.observations.missingPerChannel(s.id, s.channels.length),
      computedAt: new Date().toISOString(),
    };
    await this.series.updateStats(tenantId, s.id, record);
    return record;
  }

  async recomputeOrThrow(tenantId: string, seriesId: string): Promise<SeriesStatsRecord> {
    const r = await this.recompute(tenantId, seriesId);
    if (!r) throw new NotFoundError('series', seriesId);
    return r;
  }
}
