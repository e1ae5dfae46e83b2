import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError, ModelChecksumError, loadManifest, sha256File, validateManifest, verifyModelFile } from './manifest';

const MODELS = path.resolve(__dirname, '../../../models');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests corrupt raw manifest JSON on purpose (fields deleted, wrong types), which no precise type allows
type RawEntry = any;

function shipped() {
  return JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8'));
}

function copyOfModels(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-models-'));
  cpSync(MODELS, dir, { recursive: true, filter: (src) => !src.includes('toolchain') && !src.includes('fixtures') });
  return dir;
}

describe('manifest', () => {
  it('the shipped manifest validates and its files match their sha256', async () => {
    const m = await loadManifest(MODELS);
    expect(m.models.map((e) => e.family).sort()).toEqual(expect.arrayContaining(['ssm', 'xlstm']));
    for (const e of m.models) await expect(verifyModelFile(MODELS, e)).resolves.toBeUndefined();
  });

  it.each([
    ['family', 'lstm', 'family must be xlstm or ssm'],
    ['sha256', 'abc', 'sha256 must be 64 lowercase hex digits'],
    ['quantiles', [0.5, 0.1], 'quantiles must be increasing levels in (0, 1)'],
    ['contextLength', 0, 'contextLength must be a positive integer'],
    ['file', '../etc/passwd.onnx', 'file must be a relative .onnx path'],
    ['config', [], 'config must be an object'],
    ['defaultContext', 1e6, 'defaultContext must be a positive integer up to contextLength'],
    ['defaultContext', 0, 'defaultContext must be a positive integer up to contextLength'],
    ['negationEnsemble', 'yes', 'negationEnsemble must be a boolean'],
    ['contextSelection', [128, 256], 'contextSelection must be an object'],
    ['contextSelection', { candidates: [256], top: 1 }, 'contextSelection.candidates must be at least 2 increasing positive integers up to contextLength'],
    ['contextSelection', { candidates: [256, 128], top: 1 }, 'contextSelection.candidates must be at least 2 increasing positive integers up to contextLength'],
    ['contextSelection', { candidates: [128, 1e6], top: 1 }, 'contextSelection.candidates must be at least 2 increasing positive integers up to contextLength'],
    ['contextSelection', { candidates: [128, 256], top: 3 }, 'contextSelection.top must be a positive integer up to the number of candidates'],
    ['contextSelection', { candidates: [128, 256], top: 0 }, 'contextSelection.top must be a positive integer up to the number of candidates'],
    ['contextSelection', { candidates: [128, 256], top: 1, windows: 0 }, 'contextSelection.windows must be an integer in 1..8'],
    ['contextSelection', { candidates: [128, 256], top: 1, windows: 9 }, 'contextSelection.windows must be an integer in 1..8'],
  ])('rejects a bad %s with a message naming the entry and field', (field, value, message) => {
    const m = shipped();
    m.models[0][field] = value;
    expect(() => validateManifest(m)).toThrow(ManifestError);
    expect(() => validateManifest(m)).toThrow(`models/manifest.json: models[0] (${m.models[0].id}).${message}`);
  });

  it.each([
    [(e: RawEntry) => delete e.sha256, 'sha256 is missing'],
    [(e: RawEntry) => delete e.head.tensors, 'head.tensors is missing'],
    [(e: RawEntry) => delete e.provenance.createdAt, 'provenance.createdAt is missing'],
    [(e: RawEntry) => delete e.inputs[0].dtype, 'inputs[0].dtype is missing'],
    [(e: RawEntry) => (e.head.tensors = ['not.an.input']), 'head.tensors must name graph inputs'],
  ])('rejects a missing or inconsistent field (%#)', (mutate, message) => {
    const m = shipped();
    mutate(m.models[1]);
    expect(() => validateManifest(m)).toThrow(`models/manifest.json: models[1] (${m.models[1].id}).${message}`);
  });

  it('accepts negationEnsemble only with quantile levels symmetric around 0.5', () => {
    const m = shipped();
    m.models[0].negationEnsemble = true;
    expect(validateManifest(m).models[0].negationEnsemble).toBe(true);
    m.models[0].quantiles = [0.1, 0.5, 0.8];
    expect(() => validateManifest(m)).toThrow(
      `models/manifest.json: models[0] (${m.models[0].id}).negationEnsemble needs quantile levels symmetric around 0.5`,
    );
    m.models[0].negationEnsemble = false;
    expect(validateManifest(m).models[0].quantiles).toEqual([0.1, 0.5, 0.8]);
  });

  it('accepts a contextSelection within the context length', () => {
    const m = shipped();
    m.models[0].contextSelection = { candidates: [16, m.models[0].contextLength], top: 2, windows: 2 };
    expect(validateManifest(m).models[0].contextSelection).toEqual({ candidates: [16, m.models[0].contextLength], top: 2, windows: 2 });
  });

  it('seasons: increasing integer periods >= 2, on xlstm entries only; the shipped xlstm-small carries its training list', () => {
    const m = shipped();
    const i = m.models.findIndex((e: RawEntry) => e.id === 'xlstm-small');
    expect(m.models[i].seasons).toEqual([4, 7, 12, 24, 48, 52, 96, 168, 288]);
    const where = `models/manifest.json: models[${i}] (xlstm-small).seasons`;
    for (const bad of [[], [12, 7], [1, 4], [4.5, 12], '4,7', [4, 4]]) {
      m.models[i].seasons = bad;
      expect(() => validateManifest(m), JSON.stringify(bad)).toThrow(`${where} must be increasing integers >= 2 (seasonal periods in grid steps)`);
    }
    m.models[i].seasons = [5, 20];
    expect(validateManifest(m).models[i].seasons).toEqual([5, 20]);
    const s = m.models.findIndex((e: RawEntry) => e.family === 'ssm');
    m.models[s].seasons = [24];
    expect(() => validateManifest(m)).toThrow(`models/manifest.json: models[${s}] (${m.models[s].id}).seasons is read by the xlstm family only`);
  });

  it('seasonalAdjustment: an object with cycles in 3..64 and an optional additive bound in (0, 1]; the shipped xlstm-small: 6 seasons, additive below 0.7', () => {
    const m = shipped();
    const i = m.models.findIndex((e: RawEntry) => e.id === 'xlstm-small');
    expect(m.models[i].seasonalAdjustment).toEqual({ cycles: 6, additive: 0.7 });
    const where = `models/manifest.json: models[${i}] (xlstm-small).seasonalAdjustment`;
    for (const bad of [{}, { cycles: 2 }, { cycles: 65 }, { cycles: 6.5 }, { cycles: '6' }]) {
      m.models[i].seasonalAdjustment = bad;
      expect(() => validateManifest(m), JSON.stringify(bad)).toThrow(`${where}.cycles must be an integer in 3..64`);
    }
    m.models[i].seasonalAdjustment = 6;
    expect(() => validateManifest(m)).toThrow(`${where} must be an object`);
    m.models[i].seasonalAdjustment = { cycles: 3 };
    expect(validateManifest(m).models[i].seasonalAdjustment).toEqual({ cycles: 3 });
    for (const bad of [0, -0.5, 1.01, '0.7', null]) {
      m.models[i].seasonalAdjustment = { cycles: 6, additive: bad };
      expect(() => validateManifest(m), JSON.stringify(bad)).toThrow(`${where}.additive must be a number in (0, 1]`);
    }
    m.models[i].seasonalAdjustment = { cycles: 6, additive: 1 };
    expect(validateManifest(m).models[i].seasonalAdjustment).toEqual({ cycles: 6, additive: 1 });
  });

  it('scalePeriods: ssm only, seasons to positive integer periods; the shipped ssm-small reads a season of 2 at the scale of 4', () => {
    const m = shipped();
    const i = m.models.findIndex((e: RawEntry) => e.id === 'ssm-small');
    expect(m.models[i].scalePeriods).toEqual({ 2: 4 });
    const where = `models/manifest.json: models[${i}] (ssm-small).scalePeriods`;
    for (const bad of [[4], { 2: 0 }, { 2: 1.5 }, { 0: 4 }, { '2.5': 4 }, { x: 4 }, { 2: '4' }, 4]) {
      m.models[i].scalePeriods = bad;
      expect(() => validateManifest(m), JSON.stringify(bad)).toThrow(`${where} must map seasons (positive integers, as keys) to positive integer periods`);
    }
    m.models[i].scalePeriods = { 3: 6, 5: 10 };
    expect(validateManifest(m).models[i].scalePeriods).toEqual({ 3: 6, 5: 10 });
    const x = m.models.findIndex((e: RawEntry) => e.id === 'xlstm-small');
    m.models[x].scalePeriods = { 2: 4 };
    expect(() => validateManifest(m)).toThrow(`models/manifest.json: models[${x}] (xlstm-small).scalePeriods is read by the ssm family only`);
  });

  it('contextPadding: xlstm only, minPatches within the window; the shipped xlstm-small pads short contexts to whole patches', () => {
    const m = shipped();
    const i = m.models.findIndex((e: RawEntry) => e.id === 'xlstm-small');
    expect(m.models[i].contextPadding).toEqual({ minPatches: 1 });
    const where = `models/manifest.json: models[${i}] (xlstm-small).contextPadding`;
    for (const bad of [{}, { minPatches: 0 }, { minPatches: 1.5 }, { minPatches: 33 }, { minPatches: '1' }]) {
      m.models[i].contextPadding = bad;
      expect(() => validateManifest(m), JSON.stringify(bad)).toThrow(`${where}.minPatches must be a positive integer, at most contextLength / patchSize`);
    }
    m.models[i].contextPadding = 1;
    expect(() => validateManifest(m)).toThrow(`${where} must be an object`);
    m.models[i].contextPadding = { minPatches: 32 };
    expect(validateManifest(m).models[i].contextPadding).toEqual({ minPatches: 32 });
    const s = m.models.findIndex((e: RawEntry) => e.id === 'ssm-small');
    m.models[s].contextPadding = { minPatches: 1 };
    expect(() => validateManifest(m)).toThrow(`models/manifest.json: models[${s}] (ssm-small).contextPadding is read by the xlstm family only`);
  });

  it('rejects duplicated ids, and a missing or broken manifest file', async () => {
    const m = shipped();
    m.models.push({ ...m.models[0] });
    expect(() => validateManifest(m)).toThrow(`models[${m.models.length - 1}] (${m.models[0].id}).id is duplicated`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-empty-'));
    await expect(loadManifest(dir)).rejects.toThrow(`${path.join(dir, 'manifest.json')} cannot be read`);
    writeFileSync(path.join(dir, 'manifest.json'), '{"version": 1,');
    await expect(loadManifest(dir)).rejects.toThrow('is not valid JSON');
    rmSync(dir, { recursive: true });
  });

  it('a tampered model file fails with MODEL_CHECKSUM_MISMATCH, a missing one with MODEL_FILE_MISSING', async () => {
    const dir = copyOfModels();
    const e = (await loadManifest(dir)).models.find((x) => x.family === 'xlstm')!;
    const f = path.join(dir, e.file);
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(f, bytes);
    const actual = await sha256File(f);
    const err = await verifyModelFile(dir, e).catch((x) => x);
    expect(err).toBeInstanceOf(ModelChecksumError);
    expect(err.code).toBe('MODEL_CHECKSUM_MISMATCH');
    expect(err.message).toBe(`${e.file}: sha256 is ${actual}, the manifest says ${e.sha256}`);
    rmSync(path.join(dir, e.head.file));
    writeFileSync(f, readFileSync(path.join(MODELS, e.file)));
    await expect(verifyModelFile(dir, e)).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
    rmSync(dir, { recursive: true });
  });
});
