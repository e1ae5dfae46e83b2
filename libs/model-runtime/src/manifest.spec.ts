import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError, ModelChecksumError, loadManifest, validateManifest, verifyModelFiles } from './manifest';
import { readSafetensors, writeSafetensors } from './safetensors';

const MODELS = path.resolve(__dirname, '../../../models');

describe('manifest', () => {
  it('the shipped manifest validates and its files match their sha256', async () => {
    const m = await loadManifest(MODELS);
    expect(m.models.length).toBeGreaterThan(0);
    for (const e of m.models) await expect(verifyModelFiles(MODELS, e)).resolves.toBeUndefined();
  });

  it.each([
    ['family', 'lstm', /family must be xlstm or ssm/],
    ['sha256', 'abc', /sha256 must be 64 lowercase hex/],
    ['quantiles', [0.5, 0.1], /quantiles must be increasing/],
    ['contextLength', 0, /contextLength must be a positive integer/],
    ['file', '../etc/passwd.onnx', /file must be a relative .onnx path/],
  ])('rejects a bad %s, naming the field', async (field, value, message) => {
    const m = JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8'));
    m.models[0][field] = value;
    expect(() => validateManifest(m)).toThrow(message);
    expect(() => validateManifest(m)).toThrow(ManifestError);
  });

  it('a tampered model file fails with MODEL_CHECKSUM_MISMATCH', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-models-'));
    cpSync(MODELS, dir, { recursive: true, filter: (src) => !src.includes('toolchain') });
    const m = await loadManifest(dir);
    const e = m.models[0];
    const f = path.join(dir, e.file);
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(f, bytes);
    const err = await verifyModelFiles(dir, e).catch((x) => x);
    expect(err).toBeInstanceOf(ModelChecksumError);
    expect(err.code).toBe('MODEL_CHECKSUM_MISMATCH');
  });
});

describe('safetensors', () => {
  it('round-trips, and reads the files the Python toolchain writes', () => {
    const buf = writeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }, n: { dtype: 'I64', shape: [1], data: BigInt64Array.from([7n]) } }, { k: 'v' });
    const back = readSafetensors(buf);
    expect(Array.from(back.tensors.a.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(back.tensors.n.data[0]).toBe(7n);
    expect(back.metadata).toEqual({ k: 'v' });
    const head = readSafetensors(readFileSync(path.join(MODELS, 'xlstm-dev.head.safetensors')));
    expect(head.metadata.family).toBe('xlstm');
    expect(head.tensors['head.output_layer.weight'].shape).toEqual([288, 256]);
  });
});
