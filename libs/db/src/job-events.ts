import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** Notified with a job's id by the jobs_done_notify trigger when the job reaches a final state. */
export const JOB_DONE_CHANNEL = 'tsfm_job_done';
const APPLICATION_NAME = 'tsfm-listen';
const MAX_RETRY_MS = 5000;

/** Interest in one job's end, registered before its state is read so no notification falls in between. */
export interface JobWatch {
  /**
   * Resolves on the job's notification, on a reconnect of the listener (a notification sent while it
   * was away is lost, so the caller reads the state once more), or after `ms`: whichever is first.
   * A notification that came since the last call resolves it at once. False once the listener is
   * closed (the api is shutting down): no push will come, so the caller answers with what it has.
   */
  wait(ms: number): Promise<boolean>;
  close(): void;
}

/**
 * One dedicated PostgreSQL connection LISTENing on JOB_DONE_CHANNEL for this process, shared by every
 * waiting request. Lost connections are reopened with backoff; each reopening wakes every watcher.
 */
export class JobEvents {
  private readonly log = new Logger('JobEvents');
  private readonly watchers = new Map<string, Set<() => void>>();
  private client: Client | null = null;
  private closed = false;
  private retryMs = 100;
  private retry: NodeJS.Timeout | null = null;
  /** How many times the connection was reopened after a loss. */
  reconnects = 0;

  private constructor(private readonly url: string) {}

  /** Connects and listens; if PostgreSQL is unreachable now, keeps retrying in the background (watchers then wait their own timeout). */
  static async start(url: string): Promise<JobEvents> {
    const events = new JobEvents(url);
    await events.connect().catch((err: Error) => events.lost(null, err));
    return events;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: APPLICATION_NAME });
    client.on('notification', (n) => {
      if (n.channel === JOB_DONE_CHANNEL && n.payload) this.watchers.get(n.payload)?.forEach((wake) => wake());
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${JOB_DONE_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) return void (await client.end());
    this.client = client;
    this.retryMs = 100;
  }

  private lost(client: Client | null, err: Error): void {
    if (client !== this.client || this.closed || this.retry) return;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
    }
    this.log.warn(`listener connection lost (${err.message}); reconnecting in ${this.retryMs} ms`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => {
          this.reconnects++;
          for (const set of this.watchers.values()) set.forEach((wake) => wake());
        },
        (e: Error) => {
          this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
          this.lost(null, e);
        },
      );
    }, this.retryMs);
  }

  watch(jobId: string): JobWatch {
    let signalled = false;
    let resolveWait: (() => void) | null = null;
    const open = () => !this.closed;
    const wake = () => {
      signalled = true;
      resolveWait?.();
    };
    let set = this.watchers.get(jobId);
    if (!set) this.watchers.set(jobId, (set = new Set()));
    set.add(wake);
    return {
      wait: (ms) => {
        if (signalled || ms <= 0 || this.closed) {
          signalled = false;
          return Promise.resolve(open());
        }
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolveWait?.(), ms);
          resolveWait = () => {
            clearTimeout(timer);
            resolveWait = null;
            signalled = false;
            resolve(open());
          };
        });
      },
      close: () => {
        resolveWait?.();
        set.delete(wake);
        if (set.size === 0 && this.watchers.get(jobId) === set) this.watchers.delete(jobId);
      },
    };
  }

  /** Nest calls this on app.close(). */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    // Requests still waiting answer now with the state they read (202 if unfinished), not at their deadline.
    for (const set of this.watchers.values()) set.forEach((wake) => wake());
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
