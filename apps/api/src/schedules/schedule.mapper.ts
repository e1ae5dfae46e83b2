import { ScheduleEntity, ScheduleRunEntity } from '#db';
import { nextTick } from '#jobs';
import { ScheduleResponse, ScheduleRunResponse } from './dto/schedule.response';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toScheduleResponse(s: ScheduleEntity): ScheduleResponse {
  const next = s.enabled ? nextTick(s.cron, s.timezone) : null;
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    seriesIds: s.seriesIds,
    tag: s.tag,
    forecast: s.template,
    enabled: s.enabled,
    overlap: s.overlap,
    catchUp: s.catchUp,
    nextRunAt: next ? new Date(next).toISOString() : null,
    createdAt: iso(s.createdAt)!,
    updatedAt: iso(s.updatedAt)!,
    url: `/v1/schedules/${s.id}`,
  };
}

export function toRunResponse(r: ScheduleRunEntity): ScheduleRunResponse {
  return {
    id: r.id,
    scheduleId: r.scheduleId,
    scheduledFor: iso(r.scheduledFor)!,
    state: r.state,
    reason: r.reason,
    reasonMessage: r.reasonMessage,
    catchUp: r.catchUp,
    seriesQueued: r.seriesQueued,
    seriesSucceeded: r.seriesSucceeded,
    seriesFailed: r.seriesFailed,
    forecastIds: r.forecastIds,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs: r.startedAt && r.finishedAt ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime() : null,
  };
}
