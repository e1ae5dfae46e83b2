import { Injectable } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { JobName, parsePayload } from '#jobs';
import { ScheduleRunner } from './schedule-runner.service';

/** How long a tick waits before looking again (overlap=queue, or a run whose forecasts are still going). */
const RECHECK_MS = 1_000;

/** The time a tick is for: BullMQ's scheduler stamps it on the job; catch-up ticks carry it in their id. */
export function tickTime(job: Pick<Job, 'id' | 'opts'>): number {
  const stamped = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof stamped === 'number' && stamped > 0) return stamped;
  const m = /[:-](\d{12,})$/.exec(job.id ?? '');
  if (!m) throw new UnrecoverableError(`schedule job ${job.id} carries no tick time`);
  return Number(m[1]);
}

export const catchUpJobId = (scheduleId: string, tickMs: number) => `catchup-${scheduleId}-${tickMs}`;

@Injectable()
export class ScheduleProcessor {
  constructor(private readonly runner: ScheduleRunner) {}

  /** Ticks (no runId) start a run; the flow parent (with runId) closes it once its forecasts are done. */
  async process(job: Job, token?: string): Promise<void> {
    let p: ReturnType<typeof parsePayload<typeof JobName.ScheduleRun>>;
    try {
      p = parsePayload(JobName.ScheduleRun, job.data);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const wait = p.runId
      ? !(await this.runner.finish(p.runId))
      : (await this.runner.tick(p, tickTime(job), { catchUp: (job.id ?? '').startsWith('catchup-') })) === 'wait';
    if (wait) {
      await job.moveToDelayed(Date.now() + RECHECK_MS, token);
      throw new DelayedError();
    }
  }
}
