import { Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DomainError } from '#common';
import { JobsRepository, Tx } from '#db';
import { JobName, JobPayloads } from './contract';
import { InvalidPayloadError, parsePayload } from './payload';

export interface JobOutcome {
  state: 'SUCCEEDED' | 'PARTIALLY_SUCCEEDED' | 'FAILED';
  result: Record<string, unknown>;
  /** Result rows written in the same transaction as the final state. */
  write?: (tx: Tx) => Promise<void>;
}

export interface JobContext {
  attempt: number;
  progress(p: Record<string, unknown>): Promise<void>;
  /** True once POST /v1/jobs/{id}/cancel was called; long handlers check it between steps. */
  cancelled(): Promise<boolean>;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], ctx: JobContext) => Promise<JobOutcome>;

/** What the runner needs of a BullMQ job. */
export interface QueueJob {
  id?: string;
  name: string;
  data: unknown;
  attemptsMade: number;
  opts: { attempts?: number };
}

const log = new Logger('jobs');

function isPermanent(err: unknown): boolean {
  return err instanceof InvalidPayloadError || (err instanceof DomainError && err.status < 500);
}

/**
 * Mirrors a queue job into the `jobs` row: RUNNING with the attempt number, then one final state.
 * Permanent errors end FAILED at once; transient ones retry with backoff until attempts run out.
 */
export async function runTracked<N extends JobName>(job: QueueJob, jobs: JobsRepository, handler: JobHandler<N>): Promise<void> {
  const started = Date.now();
  let payload: JobPayloads[N];
  try {
    payload = parsePayload(job.name as N, job.data);
  } catch (err) {
    if (job.id) await jobs.finish(job.id, 'FAILED', { errorCode: 'INVALID_JOB_PAYLOAD', errorMessage: (err as Error).message });
    throw new UnrecoverableError((err as Error).message);
  }
  const { jobId, tenantId } = payload as { jobId: string; tenantId: string };
  const row = await jobs.findById(jobId);
  if (!row || row.tenantId !== tenantId) throw new UnrecoverableError(`job row ${jobId} does not exist for its tenant`);
  if (row.cancelRequested) {
    await jobs.finish(jobId, 'CANCELLED', { errorCode: 'CANCELLED', errorMessage: 'Cancelled on request' });
    return;
  }
  const attempt = job.attemptsMade + 1;
  if (!(await jobs.markRunning(jobId, attempt))) return; // already final: a duplicate delivery
  const ctx: JobContext = {
    attempt,
    progress: (p) => jobs.setProgress(jobId, p),
    cancelled: async () => (await jobs.findById(jobId))?.cancelRequested ?? true,
  };
  try {
    const outcome = await handler(payload, ctx);
    const first = await jobs.complete(jobId, outcome.state, { result: outcome.result }, outcome.write);
    log.log(`${job.name} ${jobId} ${outcome.state} in ${Date.now() - started} ms (attempt ${attempt}${first ? '' : ', duplicate ignored'})`);
  } catch (err) {
    const code = err instanceof DomainError ? err.code : ((err as { code?: string }).code ?? 'INTERNAL');
    const message = (err as Error).message.slice(0, 1000);
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    if (isPermanent(err) || lastAttempt) {
      await jobs.finish(jobId, 'FAILED', { errorCode: typeof code === 'string' ? code : 'INTERNAL', errorMessage: message });
      log.warn(`${job.name} ${jobId} FAILED after ${attempt} attempt(s) in ${Date.now() - started} ms: ${code}`);
      throw isPermanent(err) ? new UnrecoverableError(message) : err;
    }
    log.warn(`${job.name} ${jobId} attempt ${attempt} failed (${code}); retrying`);
    throw err;
  }
}
