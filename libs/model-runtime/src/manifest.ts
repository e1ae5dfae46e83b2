import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '#common';

export type ModelFamily = 'xlstm' | 'ssm';

export interface IoSpec {
  name: string;
  dtype: 'float32' | 'int64';
  shape: (number | string)[];
}

export interface ManifestEntry {
  id: string;
  family: ModelFamily;
  file: string;
  sha256: string;
  contextLength: number;
  patchSize: number;
  quantiles: number[];
  maxHorizon: number;
  supportsMissing: boolean;
  inputs: IoSpec[];
  outputs: IoSpec[];
  head: { file: string; sha256: string; tensors: string[] };
  config: Record<string, unknown>;
  parameters: number;
  provenance: Record<string, unknown>;
  licence: string;
}

export interface ModelManifest {
  version: number;
  models: ManifestEntry[];
}

export class ManifestError extends DomainError {
  constructor(message: string) {
    super('MODEL_MANIFEST_INVALID', message, 500);
  }
}

export class ModelChecksumError extends DomainError {
  constructor(file: string, expected: string, actual: string) {
    super('MODEL_CHECKSUM_MISMATCH', `${file}: sha256 is ${actual}, the manifest says ${expected}`, 503);
  }
}

const SHA_RE = /^[0-9a-f]{64}$/;

function need(cond: unknown, where: string, what: string): void {
  if (!cond) throw new ManifestError(`models/manifest.json: ${where} ${what}`);
}

function validateIo(list: unknown, where: string): void {
  need(Array.isArray(list) && list.length > 0, where, 'must be a non-empty array');
  (list as IoSpec[]).forEach((io, i) => {
    need(typeof io?.name === 'string' && io.name, `${where}[${i}].name`, 'must be a string');
    need(io.dtype === 'float32' || io.dtype === 'int64', `${where}[${i}].dtype`, 'must be float32 or int64');
    need(Array.isArray(io.shape), `${where}[${i}].shape`, 'must be an array');
  });
}

/** Checks every field a runtime relies on; the message names the entry and the field. */
export function validateManifest(raw: unknown): ModelManifest {
  const m = raw as ModelManifest;
  need(m && typeof m === 'object', 'the file', 'must hold an object');
  need(Number.isInteger(m.version), 'version', 'must be an integer');
  need(Array.isArray(m.models), 'models', 'must be an array');
  const seen = new Set<string>();
  m.models.forEach((e, i) => {
    const w = `models[${i}]${typeof e?.id === 'string' ? ` (${e.id})` : ''}`;
    need(typeof e?.id === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(e.id), `${w}.id`, 'must match [A-Za-z0-9_.-]{1,64}');
    need(!seen.has(e.id), `${w}.id`, 'is duplicated');
    seen.add(e.id);
    need(e.family === 'xlstm' || e.family === 'ssm', `${w}.family`, 'must be xlstm or ssm');
    need(typeof e.file === 'string' && e.file.endsWith('.onnx') && !e.file.includes('..'), `${w}.file`, 'must be a relative .onnx path');
    need(SHA_RE.test(e.sha256 ?? ''), `${w}.sha256`, 'must be 64 lowercase hex digits');
    for (const k of ['contextLength', 'patchSize', 'maxHorizon', 'parameters'] as const) {
      need(Number.isInteger(e[k]) && e[k] > 0, `${w}.${k}`, 'must be a positive integer');
    }
    need(Array.isArray(e.quantiles) && e.quantiles.length > 0 && e.quantiles.every((q, j) => q > 0 && q < 1 && (j === 0 || q > e.quantiles[j - 1])), `${w}.quantiles`, 'must be increasing levels in (0, 1)');
    need(typeof e.supportsMissing === 'boolean', `${w}.supportsMissing`, 'must be a boolean');
    validateIo(e.inputs, `${w}.inputs`);
    validateIo(e.outputs, `${w}.outputs`);
    need(e.head && typeof e.head.file === 'string' && !e.head.file.includes('..'), `${w}.head.file`, 'must be a relative path');
    need(SHA_RE.test(e.head?.sha256 ?? ''), `${w}.head.sha256`, 'must be 64 lowercase hex digits');
    need(Array.isArray(e.head?.tensors) && e.head.tensors.every((t) => e.inputs.some((io) => io.name === t)), `${w}.head.tensors`, 'must name graph inputs');
    need(e.provenance && typeof e.provenance === 'object', `${w}.provenance`, 'must be an object');
    need(typeof e.licence === 'string' && e.licence, `${w}.licence`, 'must be a string');
  });
  return m;
}

export async function loadManifest(modelsDir: string): Promise<ModelManifest> {
  const file = path.join(modelsDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ManifestError(`${file} cannot be read`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError(`${file} is not valid JSON`);
  }
  return validateManifest(json);
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** Refuses a model whose .onnx or head sidecar differs from what the manifest recorded. */
export async function verifyModelFiles(modelsDir: string, entry: ManifestEntry): Promise<void> {
  for (const [file, expected] of [[entry.file, entry.sha256], [entry.head.file, entry.head.sha256]]) {
    const actual = await sha256File(path.join(modelsDir, file));
    if (actual !== expected) throw new ModelChecksumError(file, expected, actual);
  }
}
