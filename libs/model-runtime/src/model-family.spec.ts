import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher';
import { SSM, SSM_LENGTH_BUCKET, XLSTM, batchGroup, modelFamily } from './model-family';

const ssm = { family: 'ssm' as const, contextLength: 2048, patchSize: 24 };
const xlstm = { family: 'xlstm' as const, contextLength: 1024, patchSize: 32, contextPadding: { minPatches: 1 } };
const ctx = (n: number) => new Float32Array(n).map((_, i) => i + 1);

describe('ModelFamily', () => {
  it('is chosen by the manifest family', () => {
    expect(modelFamily(ssm)).toBe(SSM);
    expect(modelFamily(xlstm)).toBe(XLSTM);
  });

  it('ssm: one row, cut to the context rounded up to the bucket (exact: the whole window), the newest values kept', () => {
    const lengths = [10, 256, 257, 700, 2048, 5000].map(
      (n) => SSM.rows(ssm, { context: ctx(n), horizon: 48, scaleFactor: 1 }, { patchesPerPass: 1 })[0].key.length,
    );
    expect(lengths).toEqual([256, 256, 512, 768, 2048, 2048]);
    expect(SSM_LENGTH_BUCKET).toBe(256);
    const daily = SSM.rows(ssm, { context: ctx(700), horizon: 30, scaleFactor: 24 / 365 }, { patchesPerPass: 1 });
    expect(daily[0].key).toEqual({ head: 'default', length: 768, params: { s: 24 / 365, h: 30 } });
    expect(Array.from(daily[0].context.subarray(68, 70))).toEqual([1, 2]);
    expect(Number.isNaN(daily[0].context[67])).toBe(true);
    expect(SSM.rows(ssm, { context: ctx(700), horizon: 30, scaleFactor: 24 / 365 }, { patchesPerPass: 1, exact: true })[0].key.length).toBe(16384);
    expect(SSM.fedLength(ssm, { scaleFactor: 0.5 }, 10)).toBe(4096);
  });

  it('xlstm: one row per rollout pass, each extended by a patch of missing steps, at whole patches', () => {
    const rows = XLSTM.rows(xlstm, { context: ctx(60), horizon: 80 }, { patchesPerPass: 1 });
    expect(rows.map((r) => r.key.length)).toEqual([64, 96, 128]);
    expect(rows[2].context[127]).toBeNaN();
    expect(rows[2].context[59 + 4]).toBe(60);
    expect(batchGroup(rows[0].key)).toBe('default|L=64|k=1');
    const steps = XLSTM.steps(
      { context: ctx(60), horizon: 40 },
      [0, 1].map(() => ({ quantiles: new Float32Array(32 * 2).map((_, i) => -i), steps: 32 })),
      2,
    );
    expect(steps).toHaveLength(40);
    expect(steps[0]).toEqual([-1, -0]);
  });

  it('the micro-batcher bounds a group by its limit (fewer rows of a longer context)', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({
      maxBatch: 64,
      maxWaitMs: 1,
      maxQueue: 1000,
      maxConcurrentRuns: 1,
      limit: (len) => Math.floor(SSM.maxBatchValues / len),
      run: async (_g, items) => {
        sizes.push(items.length);
        return items;
      },
    });
    await Promise.all([...Array.from({ length: 100 }, () => b.submit('long', 16384)), ...Array.from({ length: 100 }, () => b.submit('short', 256))]);
    expect(Math.max(...sizes)).toBe(64);
    expect(sizes.filter((s) => s === 2)).toHaveLength(50);
  });
});
