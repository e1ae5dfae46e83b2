import type { SeriesEntity } from '#db';
import type { SeriesResponse } from './dto/series.response';

export function toSeriesResponse(s: SeriesEntity): SeriesResponse {
  return {
    id: s.id,
    name: s.name,
    channels: s.channels,
    frequency: s.frequency,
    timezone: s.timezone,
    tags: s.tags,
    metadata: s.metadata,
    stats: s.stats,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
