import { defaultRepeatStrategy } from 'bullmq';
import { JobName, QUEUE_OPTIONS, QueueName } from './contract';
import type { AnyQueue } from './queue-backend';

/** Why a cron expression or timezone is unusable, or null when both are fine. */
export function scheduleTimingError(cron: string, timezone: string): { code: 'INVALID_CRON' | 'INVALID_TIMEZONE'; message: string } | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return { code: 'INVALID_TIMEZONE', message: `${JSON.stringify(timezone)} is not an IANA timezone (e.g. Europe/Berlin, UTC)` };
  }
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return { code: 'INVALID_CRON', message: `cron must have 5 fields (minute hour day month weekday) or 6 (seconds first); got ${fields}` };
  }
  try {
    if (!nextTick(cron, timezone)) throw new Error('it never fires');
  } catch (err) {
    return { code: 'INVALID_CRON', message: `${JSON.stringify(cron)} is not a valid cron expression: ${(err as Error).message}` };
  }
  return null;
}

/**
 * Tick times (epoch ms) in (afterMs, untilMs], oldest first; only the newest `max` are kept. A
 * window growing back from untilMs keeps the work bounded after a long outage of a fast cron.
 */
export function ticksBetween(cron: string, timezone: string, afterMs: number, untilMs: number, max: number): number[] {
  for (let w = 60_000; ; w *= 4) {
    const from = Math.max(afterMs, untilMs - w);
    const out: number[] = [];
    for (let t = nextTick(cron, timezone, from); t && t <= untilMs; t = nextTick(cron, timezone, t)) {
      out.push(t);
      if (out.length > max) out.shift();
    }
    if (out.length >= max || from === afterMs) return out;
  }
}

/** The next tick after `fromMs`, computed exactly as BullMQ's job scheduler computes it. */
export function nextTick(cron: string, timezone: string, fromMs = Date.now()): number {
  return defaultRepeatStrategy(fromMs, { pattern: cron, tz: timezone }) as number;
}

export function scheduleJobOptions() {
  const s = QUEUE_OPTIONS[QueueName.Schedule];
  return {
    attempts: s.attempts,
    backoff: { type: 'exponential' as const, delay: s.backoffMs },
    removeOnComplete: { count: s.keepCompleted },
    removeOnFail: { count: s.keepFailed },
  };
}

/**
 * One BullMQ job scheduler per schedule, id = schedule id. BullMQ derives each tick's job id from
 * the scheduler id and the tick time, so however many workers run, a tick is one job.
 */
export async function upsertScheduleTimer(queue: AnyQueue, s: { id: string; tenantId: string; cron: string; timezone: string }): Promise<void> {
  await queue.upsertJobScheduler(s.id, { pattern: s.cron, tz: s.timezone }, {
    name: JobName.ScheduleRun,
    data: { tenantId: s.tenantId, scheduleId: s.id },
    opts: scheduleJobOptions(),
  });
}

export async function removeScheduleTimer(queue: AnyQueue, id: string): Promise<void> {
  await queue.removeJobScheduler(id);
}
