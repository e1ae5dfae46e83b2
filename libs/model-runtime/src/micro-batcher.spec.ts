import { describe, expect, it } from 'vitest';
import { OverloadedError } from '#common';
import { MicroBatcher } from './micro-batcher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(delayMs = 5) {
  const runs: { group: string; items: number[] }[] = [];
  return {
    runs,
    run: async (group: string, items: number[]) => {
      runs.push({ group, items });
      await sleep(delayMs);
      return items.map((x) => x * 10);
    },
  };
}

describe('MicroBatcher', () => {
  it('merges concurrent submissions of one group into one run, up to maxBatch', async () => {
    const r = recorder();
    const b = new MicroBatcher({ maxBatch: 4, maxWaitMs: 20, maxQueue: 100, maxConcurrentRuns: 1, run: r.run });
    const out = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => b.submit('m', x)));
    expect(out.map((o) => o.value)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(r.runs.map((x) => x.items)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(out[0].batchSize).toBe(4);
    expect(b.snapshot()).toMatchObject({ runs: 2, items: 6, meanBatchSize: 3, maxBatchSize: 4, queued: 0 });
  });

  it('never mixes groups (models or heads) in one run', async () => {
    const r = recorder();
    const b = new MicroBatcher({ maxBatch: 8, maxWaitMs: 10, maxQueue: 100, maxConcurrentRuns: 2, run: r.run });
    await Promise.all([b.submit('a', 1), b.submit('b', 2), b.submit('a', 3), b.submit('b', 4)]);
    const byGroup = Object.fromEntries(r.runs.map((x) => [x.group, x.items]));
    expect(byGroup).toEqual({ a: [1, 3], b: [2, 4] });
  });

  it('a lone request waits at most about maxWaitMs', async () => {
    const b = new MicroBatcher({ maxBatch: 64, maxWaitMs: 30, maxQueue: 10, maxConcurrentRuns: 1, run: recorder(0).run });
    const t = performance.now();
    await b.submit('m', 1);
    const elapsed = performance.now() - t;
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(500);
  });

  it('answers overloaded instead of queueing without bound', async () => {
    const b = new MicroBatcher({ maxBatch: 2, maxWaitMs: 5, maxQueue: 3, maxConcurrentRuns: 1, run: recorder(50).run });
    // 1 and 2 fill a batch that starts at once; 3-5 fill the queue; 6-10 are refused.
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => b.submit('m', x)));
    const rejected = results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
    expect(results.map((x) => x.status === 'fulfilled')).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(rejected[0].reason).toBeInstanceOf(OverloadedError);
    expect((rejected[0].reason as OverloadedError).status).toBe(429);
    expect(b.snapshot().rejected).toBe(5);
  });

  it('a failing run rejects only its own batch', async () => {
    let n = 0;
    const b = new MicroBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 5,
      maxQueue: 10,
      maxConcurrentRuns: 1,
      run: async (_g, items) => {
        if (n++ === 0) throw new Error('boom');
        return items;
      },
    });
    const res = await Promise.allSettled([b.submit('m', 1), b.submit('m', 2), b.submit('m', 3)]);
    expect(res.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
