import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OverloadedError } from '#common';
import { ModelRuntime, fitContext, xlstmFedLength } from './model-runtime';

const MODELS = path.resolve(__dirname, '../../../models');

function wave(n: number, phase = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * (i + phase)) / 24) + i * 0.05);
}

describe('ModelRuntime', () => {
  let rt: ModelRuntime;
  beforeAll(async () => {
    rt = await ModelRuntime.start({
      modelsDir: MODELS,
      providers: ['cuda', 'webgpu', 'cpu'],
      intraOpThreads: 1,
      maxBatch: 64,
      maxWaitMs: 10,
      maxQueue: 10_000,
    });
  });
  afterAll(() => rt.close());

  it('falls back to CPU when GPU providers are unavailable, and says why', () => {
    for (const m of rt.models()) {
      expect(m.provider.active).toBe('cpu');
      expect(m.provider.fallbacks.map((f) => f.provider)).toEqual(['cuda', 'webgpu']);
      expect(m.provider.fallbacks[0].reason).toMatch(/.+/);
      expect(m.ortVersion).toBe('1.30.0');
    }
  });

  it('xlstm: a long horizon is the official rollout (pass p = context + 32p NaN, cut, re-scaled)', async () => {
    const ctx = wave(300);
    const [full] = await rt.forecast('xlstm-dev', [{ context: ctx, horizon: 70 }]);
    expect(full.quantiles).toHaveLength(70);
    const ext = new Float32Array(300 + 64).fill(NaN);
    ext.set(ctx);
    const [third] = await rt.forecast('xlstm-dev', [{ context: ext, horizon: 6 }]);
    for (let i = 0; i < 6; i++) for (let q = 0; q < 9; q++) expect(full.quantiles[64 + i][q]).toBeCloseTo(third.quantiles[i][q], 4);
    for (const step of full.quantiles) expect([...step]).toEqual([...step].sort((a, b) => a - b));
  });

  it('ssm: one pass for any horizon, shaped by the scale factor', async () => {
    const [a, b] = await rt.forecast('ssm-dev', [
      { context: wave(400), horizon: 50, scaleFactor: 1 },
      { context: wave(400), horizon: 50, scaleFactor: 2 },
    ]);
    expect(a.quantiles).toHaveLength(50);
    expect(b.quantiles).toHaveLength(50);
    expect(a.quantiles[10]).not.toEqual(b.quantiles[10]);
  });

  it('merges concurrent requests into batches', async () => {
    const before = rt.models().find((m) => m.entry.id === 'xlstm-dev')!.batching;
    await Promise.all(Array.from({ length: 100 }, (_, i) => rt.forecast('xlstm-dev', [{ context: wave(200, i), horizon: 8 }])));
    const after = rt.models().find((m) => m.entry.id === 'xlstm-dev')!.batching;
    const runs = after.runs - before.runs;
    expect(after.items - before.items).toBe(100);
    expect(100 / runs).toBeGreaterThan(5);
  });

  it('refuses a horizon beyond the model limit with HORIZON_TOO_LONG', async () => {
    await expect(rt.forecast('ssm-dev', [{ context: wave(100), horizon: 100_000, scaleFactor: 1 }])).rejects.toMatchObject({
      code: 'HORIZON_TOO_LONG',
      status: 422,
    });
  });

  it('keeps the event loop responsive while a large batch runs', async () => {
    let maxLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 5);
      last = now;
    }, 5);
    const t = performance.now();
    await rt.forecast(
      'ssm-dev',
      Array.from({ length: 64 }, (_, i) => ({ context: wave(512, i), horizon: 96, scaleFactor: 0.5 })),
    );
    const elapsed = performance.now() - t;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(50);
    expect(maxLag).toBeLessThan(Math.max(40, elapsed / 4));
  });

  it('answers overloaded when its queue is full', async () => {
    const small = await ModelRuntime.start({ modelsDir: MODELS, providers: ['cpu'], intraOpThreads: 1, maxBatch: 4, maxWaitMs: 1, maxQueue: 8 });
    try {
      const res = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => small.forecast('ssm-dev', [{ context: wave(300, i), horizon: 24, scaleFactor: 1 }])),
      );
      const rejected = res.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected[0].reason).toBeInstanceOf(OverloadedError);
      expect(res.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });

  it('negationEnsemble: serves (f(x) − mirrored f(−x)) / 2 with the default head, and fine-tuned heads as trained', async () => {
    // The same dev models, with the flag set in a copy of the manifest.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-ens-'));
    for (const f of readdirSync(MODELS)) if (f !== 'manifest.json') symlinkSync(path.join(MODELS, f), path.join(dir, f));
    const manifest = JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8'));
    const dev = manifest.models.filter((e: { id: string }) => e.id.endsWith('-dev'));
    for (const e of dev) e.negationEnsemble = true;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, models: dev }));
    const ens = await ModelRuntime.start({ modelsDir: dir, providers: ['cpu'], intraOpThreads: 1, maxBatch: 64, maxWaitMs: 1, maxQueue: 10_000 });
    try {
      for (const [id, extra] of [
        ['xlstm-dev', {}],
        ['ssm-dev', { scaleFactor: 2 }],
      ] as const) {
        // A trend makes f(−x) differ from −f(x) for these untrained-to-be-symmetric models.
        const ctx = Float32Array.from(wave(300), (v, i) => v + (i > 150 ? 30 : 0));
        const neg = ctx.map((v) => -v);
        const [plain, flipped] = await rt.forecast(id, [
          { context: ctx, horizon: 40, ...extra },
          { context: neg, horizon: 40, ...extra },
        ]);
        const [both] = await ens.forecast(id, [{ context: ctx, horizon: 40, ...extra }]);
        let diff = 0;
        both.quantiles.forEach((row, h) =>
          row.forEach((v, l) => {
            expect(v).toBeCloseTo((plain.quantiles[h][l] - flipped.quantiles[h][8 - l]) / 2, 4);
            diff = Math.max(diff, Math.abs(v - plain.quantiles[h][l]));
          }),
        );
        expect(diff).toBeGreaterThan(1e-3);
        for (const step of both.quantiles) expect([...step]).toEqual([...step].sort((a, b) => a - b));
        // A fine-tuned head (here: the default tensors under another name) is served without the ensemble.
        ens.setHead(id, 'tuned', Object.fromEntries(Object.entries(ens.headTensors(id)).map(([k, t]) => [k, t.data])));
        const [tuned] = await ens.forecast(id, [{ context: ctx, horizon: 40, head: 'tuned', ...extra }]);
        tuned.quantiles.forEach((row, h) => row.forEach((v, l) => expect(v).toBeCloseTo(plain.quantiles[h][l], 4)));
      }
    } finally {
      await ens.close();
    }
  });

  it('xlstmFedLength: the whole window, or with contextPadding whole patches (at least minPatches, at most the window)', () => {
    const e = { contextLength: 1024, patchSize: 32, contextPadding: { minPatches: 1 } };
    expect([5, 31, 32, 33, 40, 64, 100, 1024, 5000].map((n) => xlstmFedLength(e, n))).toEqual([32, 32, 32, 64, 64, 64, 128, 1024, 1024]);
    expect([5, 100, 200].map((n) => xlstmFedLength({ ...e, contextPadding: { minPatches: 4 } }, n))).toEqual([128, 128, 224]);
    expect(xlstmFedLength({ contextLength: 1024, patchSize: 32 }, 40)).toBe(1024);
    expect(xlstmFedLength(e, 40, true)).toBe(1024);
  });

  it('fitContext left-pads with NaN or keeps the newest values', () => {
    expect(Array.from(fitContext(Float32Array.from([1, 2]), 4))).toEqual([NaN, NaN, 1, 2]);
    expect(Array.from(fitContext(Float32Array.from([1, 2, 3]), 2))).toEqual([2, 3]);
  });
});
