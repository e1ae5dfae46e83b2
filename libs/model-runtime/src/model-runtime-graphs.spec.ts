import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceThread } from './inference-thread';
import type { ManifestEntry } from './manifest';
import { ModelRuntime } from './model-runtime';

const MODELS = path.resolve(__dirname, '../../../models');

// Tenants' `full` fine-tune graphs: the smallest catalog graph (ssm-dev) loaded under graph ids,
// as the resolver loads a stored graph.
describe('ModelRuntime: loaded graphs (full fine-tunes)', () => {
  let rt: ModelRuntime;
  let base: ManifestEntry;
  let onnx: Buffer;
  let head: Buffer;
  const context = Float32Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 24));

  beforeAll(async () => {
    // Only ssm-dev in the catalog: a start that loads one small model.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-graphs-spec-'));
    for (const f of readdirSync(MODELS)) if (f !== 'manifest.json') symlinkSync(path.join(MODELS, f), path.join(dir, f));
    const manifest = JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8'));
    base = manifest.models.find((e: ManifestEntry) => e.id === 'ssm-dev');
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, models: [base] }));
    onnx = readFileSync(path.join(MODELS, base.file));
    head = readFileSync(path.join(MODELS, base.head.file));
    rt = await ModelRuntime.start({ modelsDir: dir, providers: ['cpu'], intraOpThreads: 1, maxBatch: 16, maxWaitMs: 1, maxQueue: 1000, maxExtraGraphs: 2 });
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await rt.close();
  });

  const load = (id: string) => rt.loadGraph({ ...base, id }, onnx, head);
  const ids = () => rt.loadedGraphs().map((g) => g.id);
  // Each load writes its own file, <id>.<n>.onnx.
  const files = async () =>
    readdirSync(await rt.graphDirectory())
      .map((f) => f.replace(/\.\d+\.onnx$/, ''))
      .sort();

  it('writes graphs to a private folder (0700, made by mkdtemp under the temp dir), never the shared /tmp/tsfm-graphs', async () => {
    await load('ft-a');
    const dir = await rt.graphDirectory();
    expect(path.dirname(dir)).toBe(os.tmpdir());
    expect(path.basename(dir)).toMatch(/^tsfm-graphs-[A-Za-z0-9]{6}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(rt.loadedGraphs()[0].file).mode & 0o777).toBe(0o600);
    expect(path.dirname(rt.loadedGraphs()[0].file)).toBe(dir);
    expect(await files()).toEqual(['ft-a']);
  });

  it('at the cap, loading another graph unloads the least recently used one (not the oldest loaded)', async () => {
    await load('ft-b');
    expect(ids()).toEqual(['ft-a', 'ft-b']);
    // A forecast on ft-a makes ft-b the least recently used.
    await rt.forecast('ft-a', [{ context, horizon: 4 }]);
    expect(ids()).toEqual(['ft-b', 'ft-a']);
    await load('ft-c');
    expect(ids()).toEqual(['ft-a', 'ft-c']);
    expect(rt.has('ft-b')).toBe(false);
    expect(
      rt
        .models()
        .map((m) => m.entry.id)
        .sort(),
    ).toEqual(['ft-a', 'ft-c', 'ssm-dev']);
    expect(await files()).toEqual(['ft-a', 'ft-c']);
    // Next out: ft-a (ft-c was used after it).
    await load('ft-d');
    expect(ids()).toEqual(['ft-c', 'ft-d']);
    const [f] = await rt.forecast('ft-d', [{ context, horizon: 4 }]);
    expect(f.quantiles).toHaveLength(4);
  });

  it('a request racing the unload of its graph gets a retryable 503, not a 404; loading it again serves it', async () => {
    expect(() => rt.entry('ft-a')).toThrow(expect.objectContaining({ code: 'MODEL_UNAVAILABLE', status: 503 }));
    await expect(rt.forecast('ft-b', [{ context, horizon: 4 }])).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', status: 503 });
    expect(() => rt.entry('never-loaded')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND', status: 404 }));
    await load('ft-a');
    expect((await rt.forecast('ft-a', [{ context, horizon: 4 }]))[0].quantiles).toHaveLength(4);
    expect(ids()).toEqual(['ft-d', 'ft-a']);
  });

  it('never evicts a graph while it runs a forecast: with every graph busy the load is refused (503, retried)', async () => {
    const big = Array.from({ length: 16 }, () => ({ context, horizon: 4 }));
    const running = [rt.forecast('ft-d', big), rt.forecast('ft-a', big)];
    expect(rt.loadedGraphs().map((g) => g.inUse)).toEqual([1, 1]);
    await expect(load('ft-e')).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', status: 503 });
    await Promise.all(running);
    expect(ids()).toEqual(['ft-d', 'ft-a']);
  });

  it('unloadGraph frees the session and the file; catalog models are not unloaded', async () => {
    expect(await rt.unloadGraph('ft-d')).toBe(true);
    expect(await rt.unloadGraph('ft-d')).toBe(false);
    expect(await rt.unloadGraph('ssm-dev')).toBe(false);
    expect(ids()).toEqual(['ft-a']);
    expect(await files()).toEqual(['ft-a']);
    expect(rt.isCatalogModel('ssm-dev')).toBe(true);
    expect((await rt.forecast('ssm-dev', [{ context, horizon: 4 }]))[0].quantiles).toHaveLength(4);
  });

  it('close removes the graph folder', async () => {
    const dir = await rt.graphDirectory();
    expect(existsSync(rt.loadedGraphs()[0].file)).toBe(true);
    closed = true;
    await rt.close();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('InferenceThread.unload', () => {
  it('releases the session: the model no longer runs, others still do', async () => {
    const t = new InferenceThread();
    try {
      await t.load('a', path.join(MODELS, 'ssm-dev.onnx'), ['cpu'], 1);
      await t.load('b', path.join(MODELS, 'ssm-dev.onnx'), ['cpu'], 1);
      await t.unload('a');
      await expect(t.run('a', {}, ['quantiles'])).rejects.toThrow('model a is not loaded');
      // b is there: it fails on its (missing) inputs, not as an unknown model.
      await expect(t.run('b', {}, ['quantiles'])).rejects.toThrow(/input/i);
      await t.unload('never-loaded');
    } finally {
      await t.close();
    }
  });
});
