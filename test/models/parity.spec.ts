import { readFileSync, readdirSync, symlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as onnx from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestEntry, ModelManifest, ModelRuntime, loadManifest, verifyModelFiles } from '#model-runtime';
import { MODELS_DIR, caseFeeds, fixtureIndex, maxRelError } from './fixtures';

/** Every model with fixtures runs in onnxruntime-node and matches the PyTorch reference within 1e-4. */
describe('ONNX parity with the PyTorch reference', async () => {
  const manifest: ModelManifest = await loadManifest(MODELS_DIR);
  const withFixtures = manifest.models.filter((m) => fixtureIndex(m.id));

  it('the manifest lists at least one model of each family with fixtures', () => {
    expect(new Set(withFixtures.map((m) => m.family))).toEqual(new Set(['xlstm', 'ssm']));
  });

  describe.each(withFixtures.map((m) => [m.id, m] as [string, ManifestEntry]))('%s', (_id, entry) => {
    const index = fixtureIndex(entry.id)!;
    let session: onnx.InferenceSession;
    beforeAll(async () => {
      await verifyModelFiles(MODELS_DIR, entry);
      session = await onnx.InferenceSession.create(path.join(MODELS_DIR, entry.file));
    });

    it('declares the inputs and outputs the manifest lists', () => {
      expect([...session.inputNames].sort()).toEqual(entry.inputs.map((i) => i.name).sort());
      expect([...session.outputNames].sort()).toEqual(entry.outputs.map((o) => o.name).sort());
    });

    it.each(index.cases.map((c) => [c.name, c] as const))('case %s', async (_n, c) => {
      const { feeds, expected } = caseFeeds(entry, c);
      const out = await session.run(feeds);
      for (const [name, exp] of Object.entries(expected)) {
        expect(out[name].dims, name).toEqual(exp.shape);
        const err = maxRelError(out[name].data as Float32Array, exp.data as Float32Array);
        expect(err, `${name} max relative error`).toBeLessThanOrEqual(index.tolerance.maxRelError);
      }
    });

    it('a different head changes the output exactly as PyTorch predicts', async () => {
      const custom = index.cases.find((c) => c.head === 'custom')!;
      const mine = caseFeeds(entry, custom);
      const withDefault = caseFeeds(entry, { ...custom, head: 'default' });
      const a = (await session.run(mine.feeds)).quantiles.data as Float32Array;
      const b = (await session.run(withDefault.feeds)).quantiles.data as Float32Array;
      expect(maxRelError(b, a)).toBeGreaterThan(1e-2);
      expect(maxRelError(a, mine.expected.quantiles.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    });
  });

  it('a model whose ai.tsfm function is missing fails at load, naming the op', async () => {
    const entry = withFixtures.find((m) => m.family === 'xlstm')!;
    const bytes = readFileSync(path.join(MODELS_DIR, entry.file));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-broken-'));
    // ModelProto.functions (field 25) is serialised last and FunctionProto.name first, so the last
    // occurrence of the op name is the function's: renaming it leaves the graph's op undefined.
    const broken = Buffer.from(bytes);
    broken.write('SLSTMSequencX', broken.lastIndexOf('SLSTMSequence'));
    writeFileSync(path.join(dir, 'broken.onnx'), broken);
    await expect(onnx.InferenceSession.create(path.join(dir, 'broken.onnx'))).rejects.toThrow(
      /ai\.tsfm:SLSTMSequence\(-1\) is not a registered function\/op/,
    );
    // Control: renaming the op everywhere (calls and function) keeps a valid model, so the failure
    // above comes from the missing function, not from a corrupted file.
    const renamed = Buffer.from(bytes.toString('latin1').split('SLSTMSequence').join('SLSTMSequencX'), 'latin1');
    writeFileSync(path.join(dir, 'renamed.onnx'), renamed);
    const session = await onnx.InferenceSession.create(path.join(dir, 'renamed.onnx'));
    const c = fixtureIndex(entry.id)!.cases[0];
    const { feeds, expected } = caseFeeds(entry, c);
    const out = await session.run(feeds);
    expect(maxRelError(out.quantiles.data as Float32Array, expected.quantiles.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });
});

/**
 * The runtime feeds xlstm-small a short context the way its pre-training did (manifest contextPadding:
 * left-padded with NaN to whole patches, toolchain.xlstm.preprocess.left_pad_to_patches), so its
 * forecast of a 100-step context is the PyTorch reference's; padded to the whole 1,024-step window it
 * is not.
 */
describe('xlstm-small through the runtime: contextPadding feeds what PyTorch reads', () => {
  it('an unaligned 100-step context forecasts as the PyTorch fixture, and differently when padded to the window', async () => {
    const manifest: ModelManifest = await loadManifest(MODELS_DIR);
    const entry = manifest.models.find((m) => m.id === 'xlstm-small')!;
    expect(entry.contextPadding).toEqual({ minPatches: 1 });
    // The single model pass (no negation ensemble), two patches per pass as the fixture's new_patches.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-pad-'));
    for (const f of readdirSync(MODELS_DIR)) if (f !== 'manifest.json') symlinkSync(path.join(MODELS_DIR, f), path.join(dir, f));
    const { negationEnsemble: _, ...single } = entry;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, models: [single] }));
    const c = fixtureIndex(entry.id)!.cases.find((x) => x.name === 'b3_len100_unaligned_k2')!;
    const { feeds, expected } = caseFeeds(entry, c);
    const [B, L] = feeds.context.dims as number[];
    const k = Number((feeds.new_patches.data as BigInt64Array)[0]);
    const H = k * entry.patchSize;
    const ctx = feeds.context.data as Float32Array;
    const rows = Array.from({ length: B }, (_, b) => ({ context: ctx.slice(b * L, (b + 1) * L), horizon: H }));
    const rt = await ModelRuntime.start({ modelsDir: dir, providers: ['cpu'], intraOpThreads: 1, maxBatch: 64, maxWaitMs: 1, maxQueue: 1000, xlstmPatchesPerPass: k });
    try {
      const fed = await rt.forecast('xlstm-small', rows);
      const full = await rt.forecast('xlstm-small', rows.map((r) => ({ ...r, padToContext: true })));
      // The runtime sorts each step's quantiles; so are the reference's, sorted the same way.
      const ref = expected.quantiles.data as Float32Array;
      const sorted = (q: Float32Array) => Array.from({ length: B * H }, (_, i) => Array.from(q.subarray(i * 9, i * 9 + 9)).sort((a, b) => a - b)).flat();
      expect(expected.quantiles.shape).toEqual([B, H, 9]);
      const flat = (f: { quantiles: number[][] }[]) => f.flatMap((s) => s.quantiles.flat());
      expect(maxRelError(flat(fed), sorted(ref))).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(flat(full), sorted(ref))).toBeGreaterThan(1e-3);
    } finally {
      await rt.close();
    }
  });
});
