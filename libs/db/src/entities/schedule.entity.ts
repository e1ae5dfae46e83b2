/** A schedule row (raw SQL in SchedulesRepository; no TypeORM metadata needed). */
export interface ScheduleTemplate {
  model: string;
  horizon?: number;
  /** ISO 8601 duration after the tick time, e.g. P2D: forecast every grid step up to then. */
  until?: string;
  quantiles: number[];
  channels?: string[];
  contextLength?: number;
  frequency?: string;
  resampling?: 'linear' | 'mean' | 'last' | 'none';
}

export type ScheduleOverlap = 'skip' | 'queue';

export interface ScheduleEntity {
  id: string;
  tenantId: string;
  name: string;
  cron: string;
  timezone: string;
  seriesIds: string[] | null;
  tag: string | null;
  modelId: string;
  template: ScheduleTemplate;
  enabled: boolean;
  overlap: ScheduleOverlap;
  catchUp: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const SCHEDULE_RUN_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export type ScheduleRunState = (typeof SCHEDULE_RUN_STATES)[number];

export interface ScheduleRunEntity {
  id: string;
  tenantId: string;
  scheduleId: string;
  scheduledFor: Date;
  state: ScheduleRunState;
  /** Why a run was SKIPPED (OVERLAP, MISSED) or ended with nothing to do (NO_SERIES). */
  reason: string | null;
  /** Why, in words, with the numbers (skipped for the series cap or a full queue). */
  reasonMessage: string | null;
  catchUp: boolean;
  seriesQueued: number;
  seriesSucceeded: number;
  seriesFailed: number;
  jobIds: string[];
  forecastIds: string[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}
