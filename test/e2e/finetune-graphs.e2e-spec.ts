import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRuntime } from '#model-runtime';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODELS = path.join(REPO_ROOT, 'models');

/**
 * Tenants' `full` fine-tune graphs on a real api and worker (issue #33): evicted least recently used
 * at the cap, unloaded once their fine-tune is deleted. The graphs are stored as a finished `full`
 * fine-tune stores them (a catalog dev graph under the tenant's model name), so no PyTorch is needed.
 */
describe('full fine-tune graphs in the worker', () => {
  let stack: Stack;
  let runtime: ModelRuntime;
  const manifest = JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8')) as { models: { id: string; file: string; head: { file: string } }[] };

  beforeAll(async () => {
    stack = await startStack({ env: { TSFM_MAX_LOADED_GRAPHS: '1', TSFM_GRAPH_SWEEP_INTERVAL_MS: '200' } });
    runtime = stack.worker!.get(ModelRuntime);
  });
  afterAll(() => stack.close());

  /** A SUCCEEDED `full` fine-tune named `name` whose graph is the catalog model `base`'s; returns its id and runtime id. */
  async function storeFull(tenantId: string, name: string, base: string): Promise<{ id: string; graphId: string }> {
    const entry = manifest.models.find((e) => e.id === base)!;
    const graph = readFileSync(path.join(MODELS, entry.file));
    const head = readFileSync(path.join(MODELS, entry.head.file));
    const [g, h] = [sha(graph), sha(head)];
    await stack.sql(`INSERT INTO model_graphs (sha256, base_model, entry, data, bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
      g,
      base,
      JSON.stringify(entry),
      graph,
      graph.length,
    ]);
    await stack.sql(`INSERT INTO model_heads (sha256, base_model, data, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [h, base, head, head.length]);
    const [job] = await stack.sql<{ id: string }>(
      `INSERT INTO jobs (tenant_id, type, state, payload) VALUES ($1, 'finetune', 'SUCCEEDED', '{}') RETURNING id`,
      [tenantId],
    );
    const id = randomUUID();
    await stack.sql(
      `INSERT INTO finetunes (id, tenant_id, job_id, name, base_model, method, params, status, metrics, head_sha256, graph_sha256, finished_at)
       VALUES ($1, $2, $3, $4, $5, 'full', '{}', 'SUCCEEDED', '{}', $6, $7, now())`,
      [id, tenantId, job.id, name, base, h, g],
    );
    return { id, graphId: `ft-${g.slice(0, 24)}` };
  }

  async function seriesOf(key: string): Promise<string> {
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 200 })[0];
    const id = (await stack.request('POST', '/v1/series', { key, json: { name: `s-${randomUUID().slice(0, 8)}` } })).body.id;
    expect((await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } })).status).toBe(200);
    return id;
  }

  async function forecast(key: string, seriesId: string, model: string) {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [seriesId], horizon: 4, model, wait: 60 } });
    expect([model, r.status, r.body.series?.[0]?.status]).toEqual([model, 200, 'SUCCEEDED']);
    return r.body;
  }

  const loaded = () => runtime.loadedGraphs().map((g) => g.id);

  async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  it("at the cap a tenant's graph makes room by unloading the least recently used one, instead of refusing", async () => {
    const a = await stack.tenant();
    const b = await stack.tenant();
    const fa = await storeFull(a.tenantId, 'mine', 'ssm-dev');
    const fb = await storeFull(b.tenantId, 'theirs', 'xlstm-dev');
    const [sa, sb] = [await seriesOf(a.key), await seriesOf(b.key)];
    expect((await forecast(a.key, sa, 'mine')).runtime).toMatchObject({ modelId: 'mine', baseModel: fa.graphId });
    expect(loaded()).toEqual([fa.graphId]);
    // One graph per worker here: b's load unloads a's rather than answering MODEL_UNAVAILABLE until a restart.
    expect((await forecast(b.key, sb, 'theirs')).runtime).toMatchObject({ modelId: 'theirs', baseModel: fb.graphId });
    expect(loaded()).toEqual([fb.graphId]);
    expect(runtime.has(fa.graphId)).toBe(false);
    // ... and a's loads again on its next use.
    await forecast(a.key, sa, 'mine');
    expect(loaded()).toEqual([fa.graphId]);
    const dir = await runtime.graphDirectory();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(dir).not.toBe('/tmp/tsfm-graphs');
    // Only the loaded graph's file is there (b's was removed with its session).
    await waitFor("b's graph file to be removed", () => readdirSync(dir).length === 1);
    expect(readdirSync(dir)).toEqual([path.basename(runtime.loadedGraphs()[0].file)]);
    expect(path.basename(runtime.loadedGraphs()[0].file)).toMatch(new RegExp(`^${fa.graphId}\\.\\d+\\.onnx$`));
    for (const [t, f] of [
      [a, fa],
      [b, fb],
    ] as const)
      expect((await stack.request('DELETE', `/v1/finetunes/${f.id}`, { key: t.key })).status).toBe(204);
    await waitFor('no graph loaded', () => loaded().length === 0);
  });

  it('deleting a full fine-tune unloads its graph from the worker (session and file); a graph another fine-tune still uses stays', async () => {
    const a = await stack.tenant();
    const b = await stack.tenant();
    const fa = await storeFull(a.tenantId, 'shared', 'ssm-dev');
    const fb = await storeFull(b.tenantId, 'shared-too', 'ssm-dev');
    expect(fb.graphId).toBe(fa.graphId); // the same graph bytes: one content-addressed graph
    const sa = await seriesOf(a.key);
    await forecast(a.key, sa, 'shared');
    expect(loaded()).toEqual([fa.graphId]);
    const file = runtime.loadedGraphs()[0].file;

    // b's fine-tune still serves the graph: it stays loaded through several sweeps.
    expect((await stack.request('DELETE', `/v1/finetunes/${fa.id}`, { key: a.key })).status).toBe(204);
    await sleep(1000);
    expect(loaded()).toEqual([fa.graphId]);
    const gone = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [sa], horizon: 4, model: 'shared', wait: 0 } });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'MODEL_NOT_FOUND']);

    // The last fine-tune using it deleted: the worker unloads it within a sweep or two.
    expect((await stack.request('DELETE', `/v1/finetunes/${fb.id}`, { key: b.key })).status).toBe(204);
    await waitFor('the graph to be unloaded', () => loaded().length === 0);
    expect(runtime.has(fa.graphId)).toBe(false);
    expect(
      runtime
        .models()
        .map((m) => m.entry.id)
        .sort(),
    ).toEqual(manifest.models.map((m) => m.id).sort());
    // The file goes once the inference thread has released the session.
    await waitFor('the graph file to be removed', () => !existsSync(file));
  });
});
