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

/** Fire times looked at when measuring a cron's shortest gap: a year of daily ticks, 16 hours of per-minute ones. */
export const GAP_SAMPLE_FIRES = 1000;

/**
 * The shortest time between consecutive ticks (ms) over the next `fires` ticks after `fromMs`.
 * A cron's gaps are not all equal (`0,1 * * * *` alternates 1 and 59 minutes; daylight saving
 * shifts wall-clock ticks), so every gap in the window counts, not just the first.
 */
export function shortestGapMs(cron: string, timezone: string, fromMs = Date.now(), fires = GAP_SAMPLE_FIRES, stopBelowMs = 0): number {
  let min = Infinity;
  let prev = nextTick(cron, timezone, fromMs);
  // Each tick re-parses the cron (BullMQ's own computation, so the gaps are the ones it will fire at): stop once the answer is known.
  for (let i = 1; i < fires && prev && min >= stopBelowMs; i++) {
    const t = nextTick(cron, timezone, prev);
    if (!t) break;
    min = Math.min(min, t - prev);
    prev = t;
  }
  return min;
}

/** Why a (valid) cron fires too often for the configured floor, or null; 0 s turns the floor off. */
export function scheduleFrequencyError(
  cron: string,
  timezone: string,
  minIntervalS: number,
  fromMs = Date.now(),
): { code: 'SCHEDULE_TOO_FREQUENT'; message: string; details: { minIntervalSeconds: number; gapSeconds: number } } | null {
  if (minIntervalS <= 0) return null;
  const gap = shortestGapMs(cron, timezone, fromMs, GAP_SAMPLE_FIRES, minIntervalS * 1000);
  if (gap >= minIntervalS * 1000) return null;
  const shortest = gap / 1000;
  return {
    code: 'SCHEDULE_TOO_FREQUENT',
    message: `${JSON.stringify(cron)} has ticks ${shortest} s apart; schedules may run at most once every ${minIntervalS} s`,
    details: { minIntervalSeconds: minIntervalS, gapSeconds: shortest },
  };
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
  await queue.upsertJobScheduler(
    s.id,
    { pattern: s.cron, tz: s.timezone },
    {
      name: JobName.ScheduleRun,
      data: { tenantId: s.tenantId, scheduleId: s.id },
      opts: scheduleJobOptions(),
    },
  );
}

export async function removeScheduleTimer(queue: AnyQueue, id: string): Promise<void> {
  await queue.removeJobScheduler(id);
}
