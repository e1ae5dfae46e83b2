import type { JobResponse } from '../generated/openapi-types.js';
import { TsfmTimeoutError } from '../errors.js';
import { HttpConfig, request, seg } from '../http.js';
import { sleep } from '../retry.js';
import type { CallOptions } from './series.js';

export interface WaitOptions {
  /** Delay between polls in ms (default 500). */
  pollMs?: number;
  /** Give up with TsfmTimeoutError after this many ms (default 300000; Infinity waits forever). */
  timeoutMs?: number;
  /** Aborting rejects at once with the signal's reason and stops polling. */
  signal?: AbortSignal;
}

export const FINAL_STATES = ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const isFinal = (state: string): boolean => (FINAL_STATES as readonly string[]).includes(state);

export class JobsResource {
  constructor(private readonly http: HttpConfig) {}

  async get(id: string, o: CallOptions = {}): Promise<JobResponse> {
    return (await request<JobResponse>(this.http, { method: 'GET', path: `/v1/jobs/${seg(id)}`, signal: o.signal })).data;
  }

  /** A queued job is cancelled at once; a running one stops at its next checkpoint. */
  async cancel(id: string, o: CallOptions = {}): Promise<JobResponse> {
    return (await request<JobResponse>(this.http, { method: 'POST', path: `/v1/jobs/${seg(id)}/cancel`, signal: o.signal })).data;
  }

  /** Polls until the job is final (whatever the outcome: check `state`) and returns it. */
  async wait(id: string, o: WaitOptions = {}): Promise<JobResponse> {
    const pollMs = o.pollMs ?? 500;
    const deadline = Date.now() + (o.timeoutMs ?? 300_000);
    for (;;) {
      const job = await this.get(id, { signal: o.signal });
      if (isFinal(job.state)) return job;
      const left = deadline - Date.now();
      if (left <= 0) throw new TsfmTimeoutError(`job ${id} still ${job.state} after ${o.timeoutMs ?? 300_000} ms`);
      await sleep(Math.min(pollMs, left), o.signal);
    }
  }
}
