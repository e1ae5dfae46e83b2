import { isUuid } from '#common';
import { JobName, JobPayloads } from './contract';

export class InvalidPayloadError extends Error {
  readonly code = 'INVALID_JOB_PAYLOAD';
}

type Validator<N extends JobName> = (data: Record<string, unknown>) => JobPayloads[N];

function uuidField(data: Record<string, unknown>, key: string): string {
  const v = data[key];
  if (typeof v !== 'string' || !isUuid(v)) throw new InvalidPayloadError(`payload.${key} must be a UUID`);
  return v;
}

const VALIDATORS: { [N in JobName]: Validator<N> } = {
  'series-stats': (d) => ({ jobId: uuidField(d, 'jobId'), tenantId: uuidField(d, 'tenantId'), seriesId: uuidField(d, 'seriesId') }),
  forecast: (d) => ({ jobId: uuidField(d, 'jobId'), tenantId: uuidField(d, 'tenantId'), forecastId: uuidField(d, 'forecastId') }),
  backtest: (d) => ({ jobId: uuidField(d, 'jobId'), tenantId: uuidField(d, 'tenantId'), backtestId: uuidField(d, 'backtestId') }),
  finetune: (d) => ({ jobId: uuidField(d, 'jobId'), tenantId: uuidField(d, 'tenantId'), finetuneId: uuidField(d, 'finetuneId') }),
  'schedule-run': (d) => ({
    tenantId: uuidField(d, 'tenantId'),
    scheduleId: uuidField(d, 'scheduleId'),
    ...(d.runId === undefined ? {} : { runId: uuidField(d, 'runId') }),
  }),
};

/** The worker re-validates every payload before use: the queue is not trusted to hold what we wrote. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayloads[N] {
  const validate = VALIDATORS[name] as Validator<N> | undefined;
  if (!validate) throw new InvalidPayloadError(`unknown job name ${JSON.stringify(name)}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidPayloadError('payload must be an object');
  return validate(data as Record<string, unknown>);
}
