import { ApiProperty } from '@nestjs/swagger';
import { ForecastTemplateDto } from './forecast-template.dto';

export class ScheduleResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() cron: string;
  @ApiProperty() timezone: string;
  @ApiProperty({ type: [String], nullable: true }) seriesIds: string[] | null;
  @ApiProperty({ type: String, nullable: true }) tag: string | null;
  @ApiProperty({ type: ForecastTemplateDto }) forecast: ForecastTemplateDto;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ enum: ['skip', 'queue'] }) overlap: string;
  @ApiProperty() catchUp: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Next tick (null while paused)' }) nextRunAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty() url: string;
}

export class SchedulePageResponse {
  @ApiProperty({ type: [ScheduleResponse] }) items: ScheduleResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ScheduleRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) scheduleId: string;
  @ApiProperty({ description: 'The tick this run is for' }) scheduledFor: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'SKIPPED'] }) state: string;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['OVERLAP', 'MISSED', 'NO_SERIES', 'TOO_MANY_SERIES', 'QUEUE_FULL'],
    description:
      'Why it was skipped or had nothing to do. TOO_MANY_SERIES: the members outnumber TSFM_SCHEDULE_MAX_SERIES; ' +
      "QUEUE_FULL: the tenant's waiting forecasts plus this run's would pass TSFM_MAX_QUEUED_FORECASTS",
  })
  reason: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The reason in words, with its numbers (TOO_MANY_SERIES, QUEUE_FULL)' }) reasonMessage:
    string | null;
  @ApiProperty({ description: 'Run for a tick missed while no worker was up' }) catchUp: boolean;
  @ApiProperty() seriesQueued: number;
  @ApiProperty() seriesSucceeded: number;
  @ApiProperty() seriesFailed: number;
  @ApiProperty({ type: [String], description: 'One forecast per series (GET /v1/forecasts/{id})' }) forecastIds: string[];
  @ApiProperty({ type: String, nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'finishedAt - startedAt' }) durationMs: number | null;
}

export class ScheduleRunPageResponse {
  @ApiProperty({ type: [ScheduleRunResponse] }) items: ScheduleRunResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
