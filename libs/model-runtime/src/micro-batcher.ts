import { OverloadedError } from '#common';

export interface MicroBatcherOptions<I, O> {
  /** Most items merged into one run. */
  maxBatch: number;
  /** How long the first item of a group waits for company before its group runs. */
  maxWaitMs: number;
  /** Items waiting across all groups; beyond it submit() fails fast with OverloadedError. */
  maxQueue: number;
  /** Runs at once across all groups (one per model session is what ONNX Runtime wants). */
  maxConcurrentRuns: number;
  /** A group's own bound, from its first item (e.g. fewer rows of a longer context); at most maxBatch. */
  limit?: (item: I) => number;
  run: (group: string, items: I[]) => Promise<O[]>;
}

interface Pending<I, O> {
  item: I;
  enqueuedAt: number;
  resolve: (o: { value: O; queueMs: number; batchSize: number }) => void;
  reject: (e: unknown) => void;
}

export interface BatcherStats {
  runs: number;
  items: number;
  meanBatchSize: number;
  maxBatchSize: number;
  queued: number;
  rejected: number;
}

/**
 * Merges concurrent requests with the same group key (model, head, shape parameters) into one run,
 * bounded by size and wait. The queue is bounded: when full it answers "overloaded" at once.
 */
export class MicroBatcher<I, O> {
  private readonly groups = new Map<string, { items: Pending<I, O>[]; limit: number; timer?: NodeJS.Timeout }>();
  private readonly ready: string[] = [];
  private queued = 0;
  private active = 0;
  private readonly stats = { runs: 0, items: 0, maxBatchSize: 0, rejected: 0 };

  constructor(private readonly opts: MicroBatcherOptions<I, O>) {}

  submit(group: string, item: I): Promise<{ value: O; queueMs: number; batchSize: number }> {
    if (this.queued >= this.opts.maxQueue) {
      this.stats.rejected++;
      return Promise.reject(new OverloadedError(`The model runtime queue is full (${this.opts.maxQueue} waiting); retry shortly`, 1));
    }
    return new Promise((resolve, reject) => {
      let g = this.groups.get(group);
      if (!g) {
        g = { items: [], limit: Math.max(1, Math.min(this.opts.maxBatch, this.opts.limit?.(item) ?? this.opts.maxBatch)) };
        this.groups.set(group, g);
      }
      g.items.push({ item, enqueuedAt: performance.now(), resolve, reject });
      this.queued++;
      if (g.items.length >= g.limit) this.markReady(group);
      else if (!g.timer) g.timer = setTimeout(() => this.markReady(group), this.opts.maxWaitMs);
    });
  }

  snapshot(): BatcherStats {
    return { ...this.stats, meanBatchSize: this.stats.runs ? this.stats.items / this.stats.runs : 0, queued: this.queued };
  }

  private markReady(group: string): void {
    const g = this.groups.get(group);
    if (!g) return;
    clearTimeout(g.timer);
    g.timer = undefined;
    if (!this.ready.includes(group)) this.ready.push(group);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.opts.maxConcurrentRuns && this.ready.length) {
      const group = this.ready.shift()!;
      const g = this.groups.get(group);
      if (!g || g.items.length === 0) continue;
      const batch = g.items.splice(0, g.limit);
      if (g.items.length === 0) this.groups.delete(group);
      else this.ready.push(group); // more than one batch was waiting: it goes again, after the others
      this.queued -= batch.length;
      this.active++;
      void this.execute(group, batch);
    }
  }

  private async execute(group: string, batch: Pending<I, O>[]): Promise<void> {
    const start = performance.now();
    this.stats.runs++;
    this.stats.items += batch.length;
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, batch.length);
    try {
      const out = await this.opts.run(
        group,
        batch.map((p) => p.item),
      );
      if (out.length !== batch.length) throw new Error(`batch run returned ${out.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve({ value: out[i], queueMs: start - p.enqueuedAt, batchSize: batch.length }));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.active--;
      this.pump();
    }
  }
}
