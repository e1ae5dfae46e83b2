import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '#common';

export type FamilyName = 'xlstm' | 'ssm';

export interface IoSpec {
  name: string;
  dtype: 'float32' | 'int64';
  shape: (number | string)[];
}

export interface ContextSelectionSpec {
  /** Increasing context lengths in grid steps, each at most contextLength. */
  candidates: number[];
  /** How many of the best-scoring candidates are averaged (1 = pick the best). */
  top: number;
  /** Validation windows of one horizon each, at the end of the history, the scores are summed over (default 1). */
  windows?: number;
}

export interface ContextPaddingSpec {
  /** A context shorter than contextLength is left-padded with missing values to whole patches, at least this many. */
  minPatches: number;
}

export interface SeasonalAdjustmentSpec {
  /** Seasons at the end of the model grid the seasonal profile is estimated on (3..64). */
  cycles: number;
  /**
   * (0, 1]: the additive decomposition is used instead of the multiplicative one when its residual
   * sum of squares is below this fraction of the multiplicative one's (a season whose amplitude does
   * not scale with the level: temperatures). Absent: multiplicative only.
   */
  additive?: number;
}

export interface ManifestEntry {
  id: string;
  family: FamilyName;
  file: string;
  sha256: string;
  contextLength: number;
  /** Grid steps fed when a request names no contextLength (e.g. the longest context trained on); default contextLength. */
  defaultContext?: number;
  patchSize: number;
  quantiles: number[];
  maxHorizon: number;
  supportsMissing: boolean;
  /**
   * Serve the average of the model's quantiles on the context and the mirrored quantiles on the
   * negated context (q_l = (f(x)_l − f(−x)_{1−l}) / 2), for the manifest's own head only; needs
   * levels symmetric around 0.5. Two passes per forecast.
   */
  negationEnsemble?: boolean;
  /**
   * Per-series context selection (catalog forecasts that name no contextLength): each candidate
   * context length is scored on the last `windows` horizons of the series' own history, and the
   * forecast is the average of the `top` best candidates' quantiles (libs/forecasting context-selection.ts).
   */
  contextSelection?: ContextSelectionSpec;
  /**
   * xlstm family: the seasonal periods (grid steps) its pre-training drew, which it copies off its
   * context; the service reads a series whose season is off this list on a grid where it is on it
   * (libs/forecasting pipeline.ts xlstmGrid). Written by toolchain.training.export from the run's
   * data config. Absent: no list (every season is read on the series' own grid unless it does not
   * fit MIN_CONTEXT_CYCLES times in the context).
   */
  seasons?: number[];
  /**
   * ssm family: the period p its scale factor s = min(24, 24 / p) is computed from, for a season m the
   * service detects, keyed by m ("2": 4 reads a season of 2 at the scale factor of 4, where the pattern
   * repeats too). A season not listed: p = m. Measured per model and written by toolchain.training.export
   * (`--scale-periods 2:4`); libs/forecasting pipeline.ts ssmScalePeriod.
   */
  scalePeriods?: Record<string, number>;
  /**
   * xlstm family: how far a short context is left-padded with missing values. Absent: to contextLength
   * (a 60-step series is read after 30 all-missing patches). With it: to whole patches, at least
   * `minPatches`, as the pre-training fed its contexts (toolchain.xlstm.preprocess.left_pad_to_patches).
   */
  contextPadding?: ContextPaddingSpec;
  /**
   * Catalog forecasts divide a positive series with a significant season by its multiplicative
   * seasonal profile before the model reads it and multiply the forecast back (libs/forecasting
   * seasonal-adjustment.ts); fine-tunes of the model are trained on windows cut the same way and
   * forecast the same way (libs/forecasting finetune.service.ts, model-resolver.ts).
   */
  seasonalAdjustment?: SeasonalAdjustmentSpec;
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
  /** The model used when a request names none (TSFM_DEFAULT_MODEL overrides it). */
  default?: string;
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

export class ModelFileMissingError extends DomainError {
  constructor(id: string, file: string) {
    super('MODEL_FILE_MISSING', `model ${id}: ${file} does not exist`, 503);
  }
}

const SHA_RE = /^[0-9a-f]{64}$/;
const PROVENANCE_KEYS = ['source', 'seed', 'trainedSteps', 'generator', 'wallTimeSec', 'hardware', 'createdAt', 'toolchainVersion'];

function need(cond: unknown, where: string, what: string): void {
  if (!cond) throw new ManifestError(`models/manifest.json: ${where} ${what}`);
}

/** A missing field says so; a present but wrong one says what it must be. */
function check(obj: Record<string, unknown>, key: string, where: string, ok: (v: unknown) => boolean, what: string): void {
  need(obj[key] !== undefined, `${where}.${key}`, 'is missing');
  need(ok(obj[key]), `${where}.${key}`, what);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const isRelPath = (ext: string) => (v: unknown) => typeof v === 'string' && v.endsWith(ext) && !v.includes('..') && !v.startsWith('/');

function validateIo(list: unknown, where: string): void {
  need(Array.isArray(list) && list.length > 0, where, 'must be a non-empty array');
  (list as unknown[]).forEach((io, i) => {
    const w = `${where}[${i}]`;
    need(isObject(io), w, 'must be an object');
    const o = io as Record<string, unknown>;
    check(o, 'name', w, (v) => typeof v === 'string' && v.length > 0, 'must be a non-empty string');
    check(o, 'dtype', w, (v) => v === 'float32' || v === 'int64', 'must be float32 or int64');
    check(
      o,
      'shape',
      w,
      (v) => Array.isArray(v) && v.every((d) => isPosInt(d) || (typeof d === 'string' && d.length > 0)),
      'must be an array of positive integers or names',
    );
  });
}

function validateEntry(e: Record<string, unknown>, w: string): void {
  check(e, 'family', w, (v) => v === 'xlstm' || v === 'ssm', 'must be xlstm or ssm');
  check(e, 'file', w, isRelPath('.onnx'), 'must be a relative .onnx path');
  check(e, 'sha256', w, (v) => typeof v === 'string' && SHA_RE.test(v), 'must be 64 lowercase hex digits');
  for (const k of ['contextLength', 'patchSize', 'maxHorizon', 'parameters']) check(e, k, w, isPosInt, 'must be a positive integer');
  if (e.defaultContext !== undefined)
    check(e, 'defaultContext', w, (v) => isPosInt(v) && (v as number) <= (e.contextLength as number), 'must be a positive integer up to contextLength');
  check(
    e,
    'quantiles',
    w,
    (v) => Array.isArray(v) && v.length > 0 && v.every((q, j) => typeof q === 'number' && q > 0 && q < 1 && (j === 0 || q > v[j - 1])),
    'must be increasing levels in (0, 1)',
  );
  check(e, 'supportsMissing', w, (v) => typeof v === 'boolean', 'must be a boolean');
  if (e.negationEnsemble !== undefined) {
    check(e, 'negationEnsemble', w, (v) => typeof v === 'boolean', 'must be a boolean');
    const q = e.quantiles as number[];
    need(
      !e.negationEnsemble || q.every((l, i) => Math.abs(l + q[q.length - 1 - i] - 1) < 1e-9),
      `${w}.negationEnsemble`,
      'needs quantile levels symmetric around 0.5',
    );
  }
  if (e.contextSelection !== undefined) {
    check(e, 'contextSelection', w, isObject, 'must be an object');
    const cs = e.contextSelection as Record<string, unknown>;
    const c = cs.candidates;
    need(
      Array.isArray(c) &&
        c.length >= 2 &&
        c.every((v, j) => isPosInt(v) && (v as number) <= (e.contextLength as number) && (j === 0 || (v as number) > (c[j - 1] as number))),
      `${w}.contextSelection.candidates`,
      'must be at least 2 increasing positive integers up to contextLength',
    );
    need(
      isPosInt(cs.top) && (cs.top as number) <= (Array.isArray(c) ? c.length : 0),
      `${w}.contextSelection.top`,
      'must be a positive integer up to the number of candidates',
    );
    if (cs.windows !== undefined) need(isPosInt(cs.windows) && (cs.windows as number) <= 8, `${w}.contextSelection.windows`, 'must be an integer in 1..8');
  }
  if (e.seasons !== undefined) {
    need(e.family === 'xlstm', `${w}.seasons`, 'is read by the xlstm family only');
    check(
      e,
      'seasons',
      w,
      (v) => Array.isArray(v) && v.length > 0 && v.every((p, j) => Number.isInteger(p) && p >= 2 && (j === 0 || p > v[j - 1])),
      'must be increasing integers >= 2 (seasonal periods in grid steps)',
    );
  }
  if (e.scalePeriods !== undefined) {
    need(e.family === 'ssm', `${w}.scalePeriods`, 'is read by the ssm family only');
    check(
      e,
      'scalePeriods',
      w,
      (v) => isObject(v) && Object.entries(v as object).every(([m, p]) => /^[1-9][0-9]{0,5}$/.test(m) && isPosInt(p) && (p as number) <= 100000),
      'must map seasons (positive integers, as keys) to positive integer periods',
    );
  }
  if (e.contextPadding !== undefined) {
    need(e.family === 'xlstm', `${w}.contextPadding`, 'is read by the xlstm family only');
    check(e, 'contextPadding', w, isObject, 'must be an object');
    const mp = (e.contextPadding as Record<string, unknown>).minPatches;
    need(
      isPosInt(mp) && (mp as number) * (e.patchSize as number) <= (e.contextLength as number),
      `${w}.contextPadding.minPatches`,
      'must be a positive integer, at most contextLength / patchSize',
    );
  }
  if (e.seasonalAdjustment !== undefined) {
    check(e, 'seasonalAdjustment', w, isObject, 'must be an object');
    const c = (e.seasonalAdjustment as Record<string, unknown>).cycles;
    need(Number.isInteger(c) && (c as number) >= 3 && (c as number) <= 64, `${w}.seasonalAdjustment.cycles`, 'must be an integer in 3..64');
    const a = (e.seasonalAdjustment as Record<string, unknown>).additive;
    need(a === undefined || (typeof a === 'number' && a > 0 && a <= 1), `${w}.seasonalAdjustment.additive`, 'must be a number in (0, 1]');
  }
  validateIo(e.inputs, `${w}.inputs`);
  validateIo(e.outputs, `${w}.outputs`);
  check(e, 'head', w, isObject, 'must be an object');
  const head = e.head as Record<string, unknown>;
  check(head, 'file', `${w}.head`, isRelPath('.safetensors'), 'must be a relative .safetensors path');
  check(head, 'sha256', `${w}.head`, (v) => typeof v === 'string' && SHA_RE.test(v), 'must be 64 lowercase hex digits');
  const inputs = new Set((e.inputs as IoSpec[]).map((io) => io.name));
  check(head, 'tensors', `${w}.head`, (v) => Array.isArray(v) && v.length > 0 && v.every((t) => inputs.has(t)), 'must name graph inputs');
  check(e, 'config', w, isObject, 'must be an object');
  check(e, 'provenance', w, isObject, 'must be an object');
  for (const k of PROVENANCE_KEYS) need(k in (e.provenance as object), `${w}.provenance.${k}`, 'is missing');
  check(e, 'licence', w, (v) => typeof v === 'string' && v.length > 0, 'must be a non-empty string');
}

/** Checks every field a runtime relies on; the message names the entry and the field. */
export function validateManifest(raw: unknown): ModelManifest {
  need(isObject(raw), 'the file', 'must hold an object');
  const m = raw as Record<string, unknown>;
  check(m, 'version', 'manifest', (v) => v === 1, 'must be 1');
  check(m, 'models', 'manifest', Array.isArray, 'must be an array');
  const seen = new Set<string>();
  (m.models as unknown[]).forEach((raw, i) => {
    need(isObject(raw), `models[${i}]`, 'must be an object');
    const e = raw as Record<string, unknown>;
    const w = `models[${i}]${typeof e.id === 'string' ? ` (${e.id})` : ''}`;
    check(e, 'id', w, (v) => typeof v === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(v), 'must match [A-Za-z0-9_.-]{1,64}');
    need(!seen.has(e.id as string), `${w}.id`, 'is duplicated');
    seen.add(e.id as string);
    validateEntry(e, w);
  });
  return raw as ModelManifest;
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

/** Hex sha256 of bytes in memory (the same digest sha256File gives for a file). */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Refuses a model whose .onnx or head sidecar is absent or differs from what the manifest recorded. */
export async function verifyModelFile(modelsDir: string, entry: ManifestEntry): Promise<void> {
  for (const [file, expected] of [
    [entry.file, entry.sha256],
    [entry.head.file, entry.head.sha256],
  ]) {
    const full = path.join(modelsDir, file);
    if (!existsSync(full)) throw new ModelFileMissingError(entry.id, full);
    const actual = await sha256File(full);
    if (actual !== expected) throw new ModelChecksumError(file, expected, actual);
  }
}

/** Alias kept for existing callers. */
export const verifyModelFiles = verifyModelFile;
