import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRuntime } from '#model-runtime';
import { readSeries } from '../support/data';
import { Stack, startStack, waitForJob } from '../support/stack';

/**
 * method "full": the worker runs the PyTorch toolchain (Debian python3-torch, installed by the
 * test script) on the base model's own training checkpoint (models/runs/<id>), fine-tunes its
 * last block on tourism monthly windows, exports a new ONNX graph and serves it.
 */
describe('fine-tunes: method "full" through the PyTorch toolchain', () => {
  let stack: Stack;
  let key: string;
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    // M1, M31, ..., M361: every 30th of the 366 (the fixture keeps them; its other series are left out).
    const every30th = readSeries('tourism/tourism_monthly.csv', { ids: Array.from({ length: 13 }, (_, k) => `M${30 * k + 1}`) });
    expect(every30th.length).toBe(13);
    for (const s of every30th) {
      const c = await stack.request('POST', '/v1/series', { key, json: { name: s.id, frequency: '1M', tags: ['full'] } });
      await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
      ids.push(c.body.id);
    }
  }, 60_000);
  afterAll(() => stack.close());

  it('fine-tunes the last block, registers a new graph, and forecasts with it', async () => {
    const r = await stack.request('POST', '/v1/finetunes', {
      key,
      json: {
        name: 'full-v1',
        baseModel: 'xlstm-small',
        method: 'full',
        blocks: 1,
        tag: 'full',
        horizon: 24,
        steps: 12,
        learningRate: 3e-4,
        batchSize: 16,
        seed: 1,
      },
    });
    expect(r.status).toBe(202);
    expect(r.body.params).toMatchObject({ blocks: 1, steps: 12 });
    await waitForJob(stack, key, r.body.jobId, 600_000);
    const f = (await stack.request('GET', `/v1/finetunes/${r.body.id}`, { key })).body;
    expect([f.status, f.errorCode, f.errorMessage]).toEqual(['SUCCEEDED', null, null]);
    expect(f.method).toBe('full');
    const v = f.metrics.validation;
    console.log(
      `full fine-tune of xlstm-small: WQL ${v.zeroShot.wql} -> ${v.finetuned.wql} (${v.relativeWql}), MASE ${v.zeroShot.mase} -> ${v.finetuned.mase} (${v.relativeMase}), best step ${f.metrics.training.bestStep}`,
    );
    expect(v.windows).toBe(ids.length);
    // Measured (13 series, 219 training windows, 12 steps of the last block, 586,048 parameters), with
    // the windows seasonally adjusted as xlstm-small reads its series (metrics in the adjusted units):
    // validation WQL 0.1782 -> 0.1534 (relative 0.861), MASE 1.614 -> 1.439 (0.892), best at step 12
    // (xlstm-small after its small14 stage, from runs/xlstm-small14; from runs/xlstm-small8 0.1770 -> 0.1530
    // (0.864) and 1.640 -> 1.449 (0.884)).
    // On raw windows before the adjustment: 0.1608 -> 0.1339 (relative 0.833), MASE 1.906 -> 1.716 (0.900)
    // (from runs/xlstm-small8; from runs/xlstm-small7 it measured
    // 0.1659 -> 0.1342 (0.808) and 1.944 -> 1.714 (0.882), from runs/xlstm-small5 0.1663 -> 0.1367
    // (0.822) and 1.948 -> 1.769 (0.908), from runs/xlstm-small2 0.1707 -> 0.1420 (0.832) and
    // 1.996 -> 1.781 (0.892)).
    expect(v.relativeWql).toBeLessThan(0.89);
    expect(v.relativeMase).toBeLessThan(0.91);
    expect(f.metrics.training).toMatchObject({ blocks: 1, seasonalAdjustment: { cycles: 6 }, contextPadding: { minPatches: 1 } });
    expect(f.metrics.training.adjustedWindows).toBeGreaterThan(0);
    expect(f.metrics.training.trainableParameters).toBeGreaterThan(0);
    expect(f.metrics.graphSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM model_graphs WHERE sha256 = $1`, [f.metrics.graphSha256])).toEqual([{ n: 1 }]);
    // The graph keeps the base's manifest `seasons` (its xlstm grid rule reads them).
    const seasons = [4, 7, 12, 24, 48, 52, 96, 168, 288];
    expect(await stack.sql(`SELECT entry->'seasons' AS s FROM model_graphs WHERE sha256 = $1`, [f.metrics.graphSha256])).toEqual([{ s: seasons }]);
    // ... and its contextPadding (the graph pads short contexts as the base does).
    expect(await stack.sql(`SELECT entry->'contextPadding' AS p FROM model_graphs WHERE sha256 = $1`, [f.metrics.graphSha256])).toEqual([
      { p: { minPatches: 1 } },
    ]);

    const models = (await stack.request('GET', '/v1/models', { key })).body;
    expect(models.find((m: { id: string }) => m.id === 'full-v1')).toMatchObject({ finetuned: true, baseModel: 'xlstm-small' });
    const base = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids[0]], horizon: 24, model: 'xlstm-small', wait: 60 } });
    const tuned = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids[0]], horizon: 24, model: 'full-v1', wait: 60 } });
    expect([base.status, tuned.status]).toEqual([200, 200]);
    expect(tuned.body.series[0].status).toBe('SUCCEEDED');
    expect(stack.worker!.get(ModelRuntime).has(`ft-${f.metrics.graphSha256.slice(0, 24)}`)).toBe(true);
    expect(stack.worker!.get(ModelRuntime).entry(`ft-${f.metrics.graphSha256.slice(0, 24)}`).seasons).toEqual(seasons);
    expect(f.metrics.training.bestStep).toBeGreaterThan(0);
    const a = base.body.series[0].quantiles['0.5'] as number[];
    const b = tuned.body.series[0].quantiles['0.5'] as number[];
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(1e-9, Math.abs(x))))).toBeGreaterThan(1e-3);

    expect(tuned.body.runtime).toMatchObject({ modelId: 'full-v1', baseModel: `ft-${f.metrics.graphSha256.slice(0, 24)}`, head: 'default' });

    // Another tenant naming its own model after that graph's runtime id still gets its own model.
    const other = (await stack.tenant()).key;
    const src = readSeries('tourism/tourism_monthly.csv', { limit: 1 })[0];
    const sid = (await stack.request('POST', '/v1/series', { key: other, json: { name: 'o', frequency: '1M' } })).body.id;
    await stack.request('POST', `/v1/series/${sid}/observations`, { key: other, json: { timestamps: src.timestamps, values: [src.values] } });
    const lookalike = `ft-${f.metrics.graphSha256.slice(0, 24)}`;
    const o = await stack.request('POST', '/v1/finetunes', {
      key: other,
      json: { name: lookalike, baseModel: 'xlstm-dev', seriesIds: [sid], horizon: 12, steps: 5 },
    });
    await waitForJob(stack, other, o.body.jobId, 120_000);
    const theirs = await stack.request('POST', '/v1/forecasts', { key: other, json: { seriesIds: [sid], horizon: 12, model: lookalike, wait: 60 } });
    expect(theirs.status).toBe(200);
    expect(theirs.body.runtime).toMatchObject({ modelId: lookalike, baseModel: 'xlstm-dev' });

    expect((await stack.request('DELETE', '/v1/models/full-v1', { key })).status).toBe(204);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM model_graphs`)).toEqual([{ n: 0 }]);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM model_heads WHERE sha256 = $1`, [f.headSha256])).toEqual([{ n: 0 }]);
  }, 900_000);

  it('fine-tunes ssm-small (its checkpoint in models/runs) by scale-factor groups and serves the new graph', async () => {
    const r = await stack.request('POST', '/v1/finetunes', {
      key,
      json: { name: 'ssm-full', baseModel: 'ssm-small', method: 'full', tag: 'full', horizon: 24, steps: 8, learningRate: 3e-4, batchSize: 16, seed: 1 },
    });
    expect(r.status).toBe(202);
    await waitForJob(stack, key, r.body.jobId, 600_000);
    const f = (await stack.request('GET', `/v1/finetunes/${r.body.id}`, { key })).body;
    expect([f.status, f.errorCode]).toEqual(['SUCCEEDED', null]);
    const sv = f.metrics.validation;
    console.log(
      `full fine-tune of ssm-small: WQL ${sv.zeroShot.wql} -> ${sv.finetuned.wql} (${sv.relativeWql}), MASE ${sv.zeroShot.mase} -> ${sv.finetuned.mase} (${sv.relativeMase}), best step ${f.metrics.training.bestStep}`,
    );
    // Measured (13 series, 219 windows, last encoder layer + decoder = 119,968 parameters, 8 steps),
    // with seasonally adjusted windows as ssm-small reads its series: validation WQL 0.1783 -> 0.1575
    // (relative 0.884), MASE 1.737 -> 1.506 (0.867), best at step 8 (ssm-small from its one 2-hour run
    // small9, runs/ssm-small9; the 7.9-hour chain it replaced, from runs/ssm-small8: 0.1800 -> 0.1530
    // (0.850), MASE 1.732 -> 1.467 (0.847)). On raw windows before the
    // adjustment: 0.1508 -> 0.1394 (relative 0.924), MASE 1.817 -> 1.681 (0.925), best at step 8
    // (small8; the small7 model measured 0.922 / 0.920,
    // the small5 model 0.926 / 0.943, the small4 model 0.921 / 0.940, the small3 model 0.938 / 0.946,
    // the small2 model 0.928 / 0.933).
    expect(f.metrics.validation.relativeWql).toBeLessThan(0.9);
    expect(f.metrics.validation.relativeMase).toBeLessThan(0.88);
    // The base as served (negation ensemble and per-series context selection, measured through the
    // serving path) is not the PyTorch single pass. Measured with the adjustment: served WQL 0.1782
    // (single pass 0.1783), MASE 1.677 (single pass 1.737); fine-tuned / served 0.884 (WQL), 0.898 (MASE)
    // (small8: served WQL 0.1802 (single pass 0.1800), MASE 1.680; 0.849 / 0.873). Before it: served WQL 0.1526 (single pass 0.1508),
    // MASE 1.767; fine-tuned / served 0.913 (WQL), 0.951 (MASE) (small7: 0.1559, 1.791; 0.917 / 0.947;
    // small5: 0.1571, 1.794; 0.930 / 0.966;
    // small4: 0.1586, 1.800; 0.917 / 0.973;
    // small4 before context selection: 0.1595, 1.836; 0.912 / 0.954).
    console.log(
      `ssm-small as served: WQL ${sv.servedZeroShot.wql} (fine-tuned / served ${sv.relativeWqlVsServed}), MASE ${sv.servedZeroShot.mase} (${sv.relativeMaseVsServed})`,
    );
    // The two passes' WQL can come close (small9: 3e-4 apart); their MASE differs by 3.5 %.
    expect(Math.abs(sv.servedZeroShot.mase / sv.zeroShot.mase - 1)).toBeGreaterThan(0.01);
    expect(sv.relativeWqlVsServed).toBeCloseTo(sv.finetuned.wql / sv.servedZeroShot.wql, 12);
    expect(sv.relativeWqlVsServed).toBeLessThan(0.9);
    expect(f.metrics.training).toMatchObject({ blocks: 1, trainableParameters: 119_968 });
    const tuned = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids[0]], horizon: 24, model: 'ssm-full', wait: 60 } });
    expect(tuned.status).toBe(200);
    expect(tuned.body.series[0].status).toBe('SUCCEEDED');
    expect(tuned.body.runtime).toMatchObject({ modelId: 'ssm-full', baseModel: `ft-${f.metrics.graphSha256.slice(0, 24)}` });
  }, 900_000);
});

describe('fine-tunes: method "full" without the toolchain', () => {
  it('answers 422 FULL_FINETUNE_UNAVAILABLE saying what to install, and writes nothing', async () => {
    const stack = await startStack({ worker: false, env: { TSFM_PYTHON: '/nonexistent/python3' } });
    try {
      const { key } = await stack.tenant();
      const s = await stack.request('POST', '/v1/series', { key, json: { name: 's' } });
      const r = await stack.request('POST', '/v1/finetunes', {
        key,
        json: { name: 'x', baseModel: 'xlstm-small', method: 'full', seriesIds: [s.body.id], horizon: 12 },
      });
      expect([r.status, r.body.error.code]).toEqual([422, 'FULL_FINETUNE_UNAVAILABLE']);
      expect(r.body.error.message).toContain('apt-get install python3-torch python3-onnx');
      expect(await stack.sql(`SELECT count(*)::int AS n FROM finetunes`)).toEqual([{ n: 0 }]);
      expect(await stack.sql(`SELECT count(*)::int AS n FROM jobs`)).toEqual([{ n: 0 }]);
    } finally {
      await stack.close();
    }
  }, 60_000);
});

describe('fine-tune event streams and api shutdown', () => {
  it('an open event stream ends when the api shuts down, so shutdown does not wait for it', async () => {
    const stack = await startStack({ worker: false });
    const { key } = await stack.tenant();
    const s = await stack.request('POST', '/v1/series', { key, json: { name: 's' } });
    const r = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'queued', baseModel: 'xlstm-dev', seriesIds: [s.body.id], horizon: 12 } });
    expect(r.status).toBe(202);
    const res = await fetch(`${stack.baseUrl}/v1/finetunes/${r.body.id}/events`, { headers: { authorization: `Bearer ${key}` } });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: progress\ndata: \{.*"status":"QUEUED"/);
    const t = Date.now();
    const ended = (async () => {
      while (!(await reader.read()).done);
      return Date.now() - t;
    })();
    await stack.close();
    expect(await ended).toBeLessThan(5000); // the stream stays open up to an hour otherwise
    expect(Date.now() - t).toBeLessThan(10_000);
  }, 60_000);
});
