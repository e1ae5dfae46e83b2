import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ScheduleRunsRepository, SchedulesRepository, TransactionRunner } from '#db';
import { JobName, JobQueueService, QueueName, scheduleJobOptions, ticksBetween, upsertScheduleTimer } from '#jobs';
import { catchUpJobId } from './schedule.processor';

/** At most this many missed ticks per schedule are run on start (the newest ones). */
export const MAX_CATCH_UP_TICKS = 10;

/**
 * Runs before the worker consumes anything: re-creates any enabled schedule's timer that the
 * queue lost, and for catchUp schedules records and enqueues the ticks missed since the last run.
 */
@Injectable()
export class ScheduleRecovery implements OnModuleInit {
  private readonly log = new Logger('schedule');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly schedules: SchedulesRepository,
    private readonly runs: ScheduleRunsRepository,
    private readonly queue: JobQueueService,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.recover(Date.now());
    } catch (err) {
      this.log.warn(`schedule recovery skipped: ${(err as Error).message}`);
    }
  }

  async recover(nowMs: number): Promise<{ timers: number; catchUp: number }> {
    const q = this.queue.queue(QueueName.Schedule);
    let timers = 0;
    let catchUp = 0;
    for (const s of await this.schedules.allEnabled()) {
      if (!(await q.getJobScheduler(s.id))) {
        await upsertScheduleTimer(q, s);
        timers++;
      }
      if (!s.catchUp) continue;
      // Ticks while paused or before the last change are not "missed".
      const last = (await this.runs.lastScheduledFor(s.id))?.getTime() ?? 0;
      const from = Math.max(last, new Date(s.updatedAt).getTime());
      // Up to now: a tick also fired by BullMQ meanwhile finds its row and runs once.
      const ticks = ticksBetween(s.cron, s.timezone, from, nowMs, MAX_CATCH_UP_TICKS);
      if (!ticks.length) continue;
      // Rows first, so the ticks run oldest first (each waits for the earlier open runs).
      await this.tx.run((em) =>
        this.runs.claimMany(
          em,
          s.tenantId,
          s.id,
          ticks.map((t) => new Date(t)),
        ),
      );
      for (const t of ticks) {
        await q.add(JobName.ScheduleRun, { tenantId: s.tenantId, scheduleId: s.id }, { jobId: catchUpJobId(s.id, t), ...scheduleJobOptions() });
      }
      catchUp += ticks.length;
      this.log.log(`schedule ${s.id}: catching up ${ticks.length} missed tick(s) from ${new Date(ticks[0]).toISOString()}`);
    }
    if (timers) this.log.warn(`re-created ${timers} schedule timer(s) missing from the queue`);
    return { timers, catchUp };
  }
}
