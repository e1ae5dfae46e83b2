import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinetuneService, HeadSpec, predictWindow, prepareSeries, reseasonalize, toParams, windowAdjustment } from '#forecasting';
import { ModelRuntime, readSafetensors } from '#model-runtime';
import { parseTimestamp } from '#timeseries';
import { RawSeries, readSeries } from '../support/data';
import { Stack, startStack, waitForJob } from '../support/stack';

/**
 * Head fine-tuning end to end on real data: tourism monthly (Athanasopoulos et al. 2011), every
 * 9th of the 366 series, horizon 24 (the competition's), the last 24 months held out.
 */
const BASE = 'xlstm-small';
const FILE = 'tourism/tourism_monthly.csv';
const PARAMS = { baseModel: BASE, tag: 'tourism', horizon: 24, steps: 300, learningRate: 1e-3, validation: 1, seed: 7 };

describe('fine-tunes: head method on real data', () => {
  let stack: Stack;
  let a: { key: string; tenantId: string };
  let b: { key: string; tenantId: string };
  let series: RawSeries[];
  const ids: string[] = [];
  let tuned: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON; the tests read the fields they expect

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON; the tests read the fields they expect
  async function finish(key: string, id: string): Promise<any> {
    const ft = await stack.request('GET', `/v1/finetunes/${id}`, { key });
    await waitForJob(stack, key, ft.body.jobId, 240_000);
    return (await stack.request('GET', `/v1/finetunes/${id}`, { key })).body;
  }

  beforeAll(async () => {
    stack = await startStack();
    a = await stack.tenant();
    b = await stack.tenant();
    // M1, M10, ..., M361: every 9th of the 366 (the fixture keeps them; its other series are left out).
    series = readSeries(FILE, { ids: Array.from({ length: 41 }, (_, k) => `M${9 * k + 1}`) });
    expect(series.length).toBe(41);
    for (const s of series) {
      const c = await stack.request('POST', '/v1/series', { key: a.key, json: { name: s.id, frequency: '1M', tags: ['tourism'] } });
      const up = await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key: a.key, json: { timestamps: s.timestamps, values: [s.values] } });
      expect(up.status).toBe(200);
      ids.push(c.body.id);
    }
  }, 120_000);
  afterAll(() => stack.close());

  it('POST /v1/finetunes answers 202 with a job; the fine-tune beats zero-shot on the held-out windows', async () => {
    const r = await stack.request('POST', '/v1/finetunes', { key: a.key, json: { name: 'tourism-v1', ...PARAMS } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ name: 'tourism-v1', baseModel: BASE, method: 'head', url: `/v1/finetunes/${r.body.id}` });
    expect(['QUEUED', 'RUNNING']).toContain(r.body.status);
    expect(r.body.params).toMatchObject({ horizon: 24, steps: 300, loss: 'pinball', validation: 1, seed: 7, tag: 'tourism' });
    tuned = await finish(a.key, r.body.id);
    expect(tuned.status).toBe('SUCCEEDED');
    expect(tuned.headSha256).toMatch(/^[0-9a-f]{64}$/);
    const v = tuned.metrics.validation;
    console.log(
      `head fine-tune of ${BASE}: WQL ${v.zeroShot.wql} -> ${v.finetuned.wql} (${v.relativeWql}), MASE ${v.zeroShot.mase} -> ${v.finetuned.mase} (${v.relativeMase}), best step ${tuned.metrics.training.bestStep}, adjusted windows ${tuned.metrics.training.adjustedWindows}`,
    );
    console.log(`served zero-shot: WQL ${v.servedZeroShot.wql} (${v.relativeWqlVsServed}), MASE ${v.servedZeroShot.mase} (${v.relativeMaseVsServed})`);
    expect(v.windows).toBe(series.length);
    // Cut as xlstm-small reads its series: seasonally adjusted (its manifest), most of these monthly series pass the test.
    expect(tuned.metrics.training.seasonalAdjustment).toEqual({ cycles: 6 });
    expect(tuned.metrics.training.adjustedWindows).toBeGreaterThan(tuned.metrics.training.windows / 2);
    // Measured with seed 7 on these 41 series (708 training windows, 496 of them seasonally adjusted,
    // 300 steps, best at step 84; xlstm-small after its small14 stage, served with the seasonal
    // adjustment, so windows and metrics are in the adjusted series' units, and since its manifest
    // contextPadding with the windows' contexts padded to whole patches, as in pre-training): validation
    // WQL 0.1024 -> 0.0897 (relative 0.876), MASE 1.742 -> 1.620 (relative 0.930). Padded to the whole
    // window before it: 0.1074 -> 0.0909 (0.846), 1.777 -> 1.627 (0.915); small8 0.1060 -> 0.0908 (0.857),
    // 1.767 -> 1.625 (0.920). Before the adjustment (small8, raw
    // windows): 0.1207 -> 0.0996 (relative 0.826), MASE 1.933 -> 1.641 (relative 0.849). Earlier bases: small7 (zero-shot 0.1251) 0.806 and 0.814;
    // small5 (0.1277) 0.1277 -> 0.0980 (0.767) and 2.054 -> 1.647 (0.802); small2 (0.1302) 0.1302 ->
    // 0.0943 (0.724) and 2.077 -> 1.643 (0.791): a better base leaves the head less to gain, while
    // the tuned WQL stays near 0.10. The bounds leave room for float noise across machines, not for
    // a regression.
    expect(v.relativeWql).toBeLessThan(0.89);
    expect(v.relativeMase).toBeLessThan(0.945);
    expect(v.finetuned.wql).toBeLessThan(v.zeroShot.wql);
    // xlstm-small is served as a negation ensemble: servedZeroShot is measured through the runtime
    // (two passes), not the single pass the head starts from, and the head must beat it too.
    // Measured with the manifest's contextPadding: served zero-shot WQL 0.1003 (single pass 0.1024), MASE 1.681;
    // fine-tuned / served 0.894 (WQL), 0.964 (MASE). Padded to the whole window before it: served 0.1049 (single
    // pass 0.1074), MASE 1.708; 0.866 and 0.952 (small8: served 0.1048, single pass 0.1060, MASE 1.699; 0.867 and 0.957).
    // Raw windows before the adjustment: served 0.1193 (single pass 0.1207), MASE 1.896; fine-tuned / served 0.835 (WQL), 0.866 (MASE)
    // (small7: 0.824 / 0.844 against its served 0.1224; small5: 0.776 / 0.827 against 0.1262; small2: 0.732 / 0.810
    // against 0.1289).
    expect(Math.abs(v.servedZeroShot.wql / v.zeroShot.wql - 1)).toBeGreaterThan(1e-3);
    expect(v.relativeWqlVsServed).toBeCloseTo(v.finetuned.wql / v.servedZeroShot.wql, 12);
    expect(v.relativeMaseVsServed).toBeCloseTo(v.finetuned.mase / v.servedZeroShot.mase, 12);
    expect(v.relativeWqlVsServed).toBeLessThan(0.91);
    expect(v.relativeMaseVsServed).toBeLessThan(0.98);
    expect(tuned.metrics.training.seriesUsed).toBe(series.length);
    expect(tuned.progress.phase).toBe('done');
    expect(tuned.progress.history.length).toBeGreaterThan(1);
    expect(tuned.progress.history[0]).toEqual(
      expect.objectContaining({ step: expect.any(Number), trainLoss: expect.any(Number), validationWql: expect.any(Number) }),
    );
  }, 300_000);

  it('the same data, parameters and seed give bit-identical head weights (one content-addressed head)', async () => {
    const r = await stack.request('POST', '/v1/finetunes', { key: a.key, json: { name: 'tourism-v1-again', ...PARAMS } });
    const again = await finish(a.key, r.body.id);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.headSha256).toBe(tuned.headSha256);
    const heads = await stack.sql(`SELECT count(*)::int AS n FROM model_heads WHERE sha256 = $1`, [tuned.headSha256]);
    expect(heads[0].n).toBe(1);
    const other = await stack.request('POST', '/v1/finetunes', { key: a.key, json: { name: 'tourism-seed8', ...PARAMS, seed: 8, steps: 40 } });
    const o = await finish(a.key, other.body.id);
    expect(o.status).toBe('SUCCEEDED');
    expect(o.headSha256).not.toBe(tuned.headSha256);
  }, 600_000);

  async function compareOffline(baseModel: string, name: string, sha: string, padToContext = false): Promise<number[]> {
    const sid = ids[0];
    const base = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [sid], horizon: 24, model: baseModel, wait: 60 } });
    const ft = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [sid], horizon: 24, model: name, wait: 60 } });
    expect(base.status).toBe(200);
    expect(ft.status).toBe(200);
    expect(ft.body.model).toBe(name);
    const qb = base.body.series[0].quantiles['0.5'] as number[];
    const qf = ft.body.series[0].quantiles['0.5'] as number[];
    const maxRel = Math.max(...qf.map((v, i) => Math.abs(v - qb[i]) / Math.max(1e-9, Math.abs(qb[i]))));
    expect(maxRel).toBeGreaterThan(1e-3);
    // Offline: embeddings of the frozen base graph + the stored head applied in TypeScript.
    const runtime = stack.worker!.get(ModelRuntime);
    const svc = stack.worker!.get(FinetuneService);
    const entry = runtime.entry(baseModel);
    const s = series[0];
    // The fine-tune was trained on seasonally adjusted windows (its base's manifest), so its forecasts read the series adjusted too.
    // Its windows were adjusted multiplicatively only (windowAdjustment: the base's cycles, not its `additive` choice).
    const windowEntry = entry.seasonalAdjustment ? { ...entry, seasonalAdjustment: windowAdjustment(entry.seasonalAdjustment) } : entry;
    const prep = prepareSeries(
      s.timestamps.map((t) => parseTimestamp(t)),
      s.values,
      windowEntry,
      { span: { horizon: 24 }, declaredFrequency: '1M', quantiles: entry.quantiles, adjustSeasons: true, padToContext },
    );
    expect(prep.request.context.length).toBeLessThan(entry.contextLength); // short enough for the padding to matter
    // xlstm-small's manifest has a seasonalAdjustment (this monthly series passes its test); ssm-dev's has none.
    expect(prep.seasonalAdjustment?.period ?? null).toBe(entry.seasonalAdjustment ? 12 : null);
    expect(ft.body.series[0].metadata.seasonalAdjustment).toEqual(prep.seasonalAdjustment);
    if (entry.seasonalAdjustment?.additive !== undefined) {
      // The catalog base weighed the additive profile (residualRatio recorded); the fine-tune did not.
      expect(base.body.series[0].metadata.seasonalAdjustment.residualRatio).toBeGreaterThan(0);
      expect(ft.body.series[0].metadata.seasonalAdjustment).toMatchObject({ kind: 'multiplicative' });
      expect(ft.body.series[0].metadata.seasonalAdjustment.residualRatio).toBeUndefined();
    }
    // metadata.modelInput: the context's length and the length it was fed at, as the head was trained on.
    const n = prep.request.context.length;
    expect(ft.body.series[0].metadata.modelInput).toEqual(
      entry.family === 'xlstm'
        ? { rule: padToContext ? 'window' : 'whole-patches', contextSteps: [n], fedSteps: [padToContext ? entry.contextLength : Math.ceil(n / 32) * 32] }
        : { rule: 'window', contextSteps: [n], fedSteps: [Math.floor(entry.contextLength / prep.request.scaleFactor!)] },
    );
    const [w] = await svc.embed(entry, [{ request: prep.request, target: new Float64Array(24).fill(NaN), factors: null, maseScale: 1 }]);
    const bytes = (await stack.sql<{ data: Buffer }>(`SELECT data FROM model_heads WHERE sha256 = $1`, [sha]))[0].data;
    const t = readSafetensors(bytes).tensors;
    const spec = new HeadSpec(entry.family, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.shape])));
    const offline = reseasonalize(
      predictWindow(spec, toParams(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.data as Float32Array]))), w),
      prep.seasonalAdjustment,
    );
    const levels = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'];
    const scale = Math.max(...qf.map(Math.abs));
    let worst = 0;
    offline.forEach((row, k) =>
      levels.forEach((l, q) => {
        worst = Math.max(worst, Math.abs(row[q] - ft.body.series[0].quantiles[l][k]) / scale);
      }),
    );
    expect(worst).toBeLessThan(1e-4);
    return qf;
  }

  it('forecasts with the fine-tuned model differ from the base model and match an offline computation with the same head', async () => {
    await compareOffline(BASE, 'tourism-v1', tuned.headSha256);
  }, 120_000);

  it('a head trained before contextPadding (no metrics.training.contextPadding) is served on contexts padded to the whole window, as its embeddings were', async () => {
    // xlstm-small's manifest pads short contexts to whole patches; this head was embedded that way.
    expect(tuned.metrics.training.contextPadding).toEqual({ minPatches: 1 });
    const now = await compareOffline(BASE, 'tourism-v1', tuned.headSha256);
    await stack.sql(`UPDATE finetunes SET metrics = metrics #- '{training,contextPadding}' WHERE id = $1`, [tuned.id]);
    try {
      const old = await compareOffline(BASE, 'tourism-v1', tuned.headSha256, true);
      expect(Math.max(...old.map((v, i) => Math.abs(v - now[i]) / Math.abs(now[i])))).toBeGreaterThan(1e-3);
    } finally {
      await stack.sql(`UPDATE finetunes SET metrics = jsonb_set(metrics, '{training,contextPadding}', '{"minPatches": 1}') WHERE id = $1`, [tuned.id]);
    }
  }, 120_000);

  it('ssm family: the fine-tuned head (Legendre decoder, tiling, quantile matrix) serves what the offline head computes', async () => {
    const r = await stack.request('POST', '/v1/finetunes', {
      key: a.key,
      json: { name: 'tourism-ssm', ...PARAMS, baseModel: 'ssm-dev', steps: 30, learningRate: 1e-2 },
    });
    const f = await finish(a.key, r.body.id);
    expect(f.status).toBe('SUCCEEDED');
    expect(f.metrics.validation.relativeWql).toBeLessThan(1);
    await compareOffline('ssm-dev', 'tourism-ssm', f.headSha256);
  }, 240_000);

  it('fine-tuned models are resources of their tenant only', async () => {
    const mine = await stack.request('GET', '/v1/models', { key: a.key });
    const row = mine.body.find((m: { id: string }) => m.id === 'tourism-v1');
    expect(row).toMatchObject({
      finetuned: true,
      baseModel: BASE,
      finetuneId: tuned.id,
      sha256: tuned.headSha256,
      seasonalAdjustment: { cycles: 6, additive: null },
      contextPadding: { minPatches: 1 },
    });
    expect(row.metrics.validation.relativeWql).toBeCloseTo(tuned.metrics.validation.relativeWql, 12);
    const theirs = await stack.request('GET', '/v1/models', { key: b.key });
    expect(theirs.body.some((m: { id: string }) => m.id.startsWith('tourism'))).toBe(false);
    expect((await stack.request('GET', `/v1/finetunes/${tuned.id}`, { key: b.key })).status).toBe(404);
    expect((await stack.request('GET', `/v1/finetunes/${tuned.id}/events`, { key: b.key })).status).toBe(404);
    expect((await stack.request('GET', '/v1/finetunes', { key: b.key })).body.items).toEqual([]);
    const f = await stack.request('POST', '/v1/forecasts', {
      key: b.key,
      json: { data: { timestamps: ['2020-01-01', '2020-02-01', '2020-03-01'], values: [[1, 2, 3]] }, horizon: 2, model: 'tourism-v1' },
    });
    expect(f.status).toBe(404);
    expect(f.body.error.code).toBe('MODEL_NOT_FOUND');
    expect((await stack.request('DELETE', '/v1/models/tourism-v1', { key: b.key })).status).toBe(404);
    expect((await stack.request('DELETE', `/v1/finetunes/${tuned.id}`, { key: b.key })).status).toBe(404);
    // Names are unique per tenant, not globally; B's series ids are not A's.
    const bSeries = await stack.request('POST', '/v1/series', { key: b.key, json: { name: 'b' } });
    const steal = await stack.request('POST', '/v1/finetunes', { key: b.key, json: { name: 'tourism-v1', baseModel: BASE, seriesIds: [ids[0]], horizon: 24 } });
    expect(steal.status).toBe(404);
    const own = await stack.request('POST', '/v1/finetunes', {
      key: b.key,
      json: { name: 'tourism-v1', baseModel: BASE, seriesIds: [bSeries.body.id], horizon: 24 },
    });
    expect(own.status).toBe(202);
    const failed = await finish(b.key, own.body.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.errorCode).toBe('INSUFFICIENT_DATA');
    expect((await stack.request('GET', '/v1/models', { key: b.key })).body.some((m: { id: string }) => m.id === 'tourism-v1')).toBe(false);
  }, 120_000);

  it('validates requests with exact codes and writes nothing on rejection', async () => {
    const before = await stack.sql(`SELECT count(*)::int AS n FROM finetunes`);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'bad name!', tag: 'tourism', horizon: 24 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x'.repeat(37), tag: 'tourism', horizon: 24 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', horizon: 24 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', seriesIds: [ids[0]], horizon: 24 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, loss: 'huber' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, steps: 0 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, learningRate: 'NaN' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, surprise: 1 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, baseModel: 'nope' }, 404, 'MODEL_NOT_FOUND'],
      [{ name: 'ok', tag: 'tourism', horizon: 100000, baseModel: BASE }, 422, 'HORIZON_TOO_LONG'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, blocks: 2 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, method: 'full', baseModel: BASE, blocks: 99 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, method: 'full', baseModel: BASE, blocks: 9 }, 422, 'FINETUNE_DEPTH_TOO_LARGE'],
      [{ name: 'ok', tag: 'tourism', horizon: 24, method: 'full', baseModel: 'xlstm-dev' }, 422, 'FULL_FINETUNE_UNAVAILABLE'],
      [{ name: 'tourism-v1', tag: 'tourism', horizon: 24 }, 409, 'MODEL_NAME_TAKEN'],
      [{ name: BASE, tag: 'tourism', horizon: 24 }, 409, 'MODEL_NAME_TAKEN'],
    ];
    for (const [json, status, code] of cases) {
      const r = await stack.request('POST', '/v1/finetunes', { key: a.key, json });
      expect([JSON.stringify(json), r.status, r.body.error?.code]).toEqual([JSON.stringify(json), status, code]);
    }
    expect(await stack.sql(`SELECT count(*)::int AS n FROM finetunes`)).toEqual(before);
  });

  it('streams progress as server-sent events and ends with done', async () => {
    const r = await stack.request('POST', '/v1/finetunes', { key: a.key, json: { name: 'sse', ...PARAMS, steps: 60 } });
    const res = await fetch(`${stack.baseUrl}/v1/finetunes/${r.body.id}/events`, { headers: { authorization: `Bearer ${a.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]) }));
    expect(events[events.length - 1].event).toBe('done');
    expect(events[events.length - 1].data.status).toBe('SUCCEEDED');
    // Every evaluated step has its own event, in order, however fast the job ran against the 500 ms poll.
    const steps = events.filter((e) => e.data.progress?.phase === 'training').map((e) => e.data.progress.step as number);
    const curve = (events[events.length - 1].data.progress.history as { step: number }[]).map((h) => h.step);
    expect(curve.length).toBeGreaterThan(1);
    expect([...new Set(steps)]).toEqual(curve);
    expect([...steps].sort((x, y) => x - y)).toEqual(steps);
    // The same stream opened after the job ended replays the curve, then done.
    const late = await (await fetch(`${stack.baseUrl}/v1/finetunes/${r.body.id}/events`, { headers: { authorization: `Bearer ${a.key}` } })).text();
    const lateEvents = [...late.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]) }));
    expect(lateEvents.filter((e) => e.data.progress?.phase === 'training').map((e) => [e.data.progress.step, e.data.status])).toEqual(
      curve.map((step) => [step, 'RUNNING']),
    );
    expect(lateEvents.map((e) => e.event).slice(-1)).toEqual(['done']);
  }, 240_000);

  it('deletes a fine-tuned model; its head goes when no other model shares it', async () => {
    const sched = await stack.request('POST', '/v1/schedules', {
      key: a.key,
      json: { name: 'uses-ft', cron: '0 2 * * *', tag: 'tourism', forecast: { model: 'tourism-v1', horizon: 12 }, enabled: false },
    });
    expect(sched.status).toBe(201);
    const inUse = await stack.request('DELETE', '/v1/models/tourism-v1', { key: a.key });
    expect([inUse.status, inUse.body.error?.code]).toEqual([409, 'MODEL_IN_USE']);
    expect((await stack.request('DELETE', `/v1/finetunes/${tuned.id}`, { key: a.key })).status).toBe(409);
    expect((await stack.request('DELETE', `/v1/schedules/${sched.body.id}`, { key: a.key })).status).toBe(204);
    expect((await stack.request('DELETE', '/v1/models/tourism-v1', { key: a.key })).status).toBe(204);
    expect((await stack.request('GET', '/v1/models', { key: a.key })).body.some((m: { id: string }) => m.id === 'tourism-v1')).toBe(false);
    const f = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [ids[0]], horizon: 3, model: 'tourism-v1' } });
    expect([f.status, f.body.error?.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    expect((await stack.sql(`SELECT count(*)::int AS n FROM model_heads WHERE sha256 = $1`, [tuned.headSha256]))[0].n).toBe(1); // the twin still uses it
    expect((await stack.request('DELETE', '/v1/models/tourism-v1-again', { key: a.key })).status).toBe(204);
    expect((await stack.sql(`SELECT count(*)::int AS n FROM model_heads WHERE sha256 = $1`, [tuned.headSha256]))[0].n).toBe(0);
    expect((await stack.request('DELETE', `/v1/models/${BASE}`, { key: a.key })).body.error.code).toBe('MODEL_READ_ONLY');
  });
});
