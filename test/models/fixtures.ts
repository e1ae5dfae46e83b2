import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ManifestEntry, NamedTensor, readSafetensors } from '#model-runtime';

export const MODELS_DIR = path.resolve(__dirname, '../../models');

export interface FixtureCase {
  name: string;
  file: string;
  inputs: string[];
  outputs: string[];
  head: 'default' | 'custom';
}

export interface FixtureIndex {
  model: string;
  tolerance: { maxRelError: number };
  cases: FixtureCase[];
}

export function fixtureIndex(id: string): FixtureIndex | null {
  const f = path.join(MODELS_DIR, 'fixtures', id, 'index.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

export function loadTensors(file: string): Record<string, NamedTensor> {
  return readSafetensors(readFileSync(file)).tensors;
}

export function toOrt(t: NamedTensor): ort.Tensor {
  return new ort.Tensor(t.dtype === 'F32' ? 'float32' : t.dtype === 'I64' ? 'int64' : 'int32', t.data, t.shape);
}

/** Feeds for one case: its inputs, plus the head (the case's own, or the sidecar default). */
export function caseFeeds(entry: ManifestEntry, c: FixtureCase): { feeds: Record<string, ort.Tensor>; expected: Record<string, NamedTensor> } {
  const t = loadTensors(path.join(MODELS_DIR, 'fixtures', entry.id, c.file));
  const head = c.head === 'custom' ? t : loadTensors(path.join(MODELS_DIR, entry.head.file));
  const feeds: Record<string, ort.Tensor> = {};
  for (const n of c.inputs) feeds[n] = toOrt(t[n]);
  for (const n of entry.head.tensors) feeds[n] = toOrt(head[n]);
  return { feeds, expected: Object.fromEntries(c.outputs.map((n) => [n, t[n]])) };
}

/**
 * Relative error in the max norm: max|a - b| / max|b| over the whole tensor (NaN in both counts as
 * equal, NaN in one only as infinite error). Elementwise ratios blow up on entries near zero, where
 * float32 rounding alone gives ~1e-7 absolute differences.
 */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    num = Number.isNaN(d) ? Infinity : Math.max(num, d);
    den = Math.max(den, Math.abs(b));
  }
  return num === 0 ? 0 : num / den;
}
