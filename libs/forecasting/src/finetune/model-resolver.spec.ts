import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '#model-runtime';
import { graphEntry, trainedAdjustment, trainedPadding } from './model-resolver';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../models/manifest.json'), 'utf8')) as { models: ManifestEntry[] };
const byId = (id: string) => structuredClone(manifest.models.find((e) => e.id === id)!);

describe('graphEntry (a stored full fine-tune graph as the runtime serves it)', () => {
  it('keeps the seasons stored with the graph', () => {
    const stored = { ...byId('xlstm-small'), id: 'ft-stored', seasons: [5, 20] };
    expect(graphEntry(stored, 'ft-abc', byId('xlstm-small'))).toMatchObject({ id: 'ft-abc', seasons: [5, 20], sha256: stored.sha256 });
  });

  it('a graph stored without seasons reads those of the catalog model it was tuned from', () => {
    const stored = byId('xlstm-small');
    delete stored.seasons;
    expect(graphEntry(stored, 'ft-abc', byId('xlstm-small')).seasons).toEqual([4, 7, 12, 24, 48, 52, 96, 168, 288]);
    // No base (it left the catalog), or a base without a list: no list.
    expect(graphEntry(stored, 'ft-abc').seasons).toBeUndefined();
    expect(graphEntry(stored, 'ft-abc', byId('xlstm-dev')).seasons).toBeUndefined();
    // Never a list onto another family's graph.
    expect(graphEntry(byId('ssm-small'), 'ft-ssm', byId('xlstm-small')).seasons).toBeUndefined();
  });

  it("an ssm graph keeps the scalePeriods stored with it, else reads its base's", () => {
    expect(byId('ssm-small').scalePeriods).toEqual({ 2: 4 });
    const stored = { ...byId('ssm-small'), scalePeriods: { 3: 6 } };
    expect(graphEntry(stored, 'ft-a', byId('ssm-small')).scalePeriods).toEqual({ 3: 6 });
    const old = byId('ssm-small');
    delete old.scalePeriods;
    expect(graphEntry(old, 'ft-b', byId('ssm-small')).scalePeriods).toEqual({ 2: 4 });
    expect(graphEntry(old, 'ft-b').scalePeriods).toBeUndefined();
    expect(graphEntry(old, 'ft-b', byId('ssm-dev')).scalePeriods).toBeUndefined();
    expect(graphEntry(old, 'ft-b', { ...byId('xlstm-small'), scalePeriods: { 2: 4 } }).scalePeriods).toBeUndefined();
  });
});

describe('seasonal adjustment of fine-tuned models', () => {
  it("a graph keeps the seasonalAdjustment it was stored with, and never takes its base's (it may have been trained on raw windows)", () => {
    const adjusted = { ...byId('ssm-small'), seasonalAdjustment: { cycles: 6 } };
    expect(graphEntry(adjusted, 'ft-a', byId('ssm-small')).seasonalAdjustment).toEqual({ cycles: 6 });
    const raw = byId('ssm-small');
    delete raw.seasonalAdjustment;
    expect(graphEntry(raw, 'ft-b', byId('ssm-small')).seasonalAdjustment).toBeUndefined();
  });

  it('trainedPadding reads metrics.training.contextPadding; fine-tunes stored before it were embedded on contexts padded to the window', () => {
    expect(trainedPadding({ training: { contextPadding: { minPatches: 1 } } })).toEqual({ minPatches: 1 });
    expect(trainedPadding({ training: { contextPadding: null } })).toBeNull();
    expect(trainedPadding({ training: { windows: 12 } })).toBeNull();
    expect(trainedPadding(null)).toBeNull();
  });

  it("a graph never takes its base's contextPadding: graphs stored without one pad to the window, as before", () => {
    const stored = byId('xlstm-small');
    delete stored.contextPadding;
    expect(graphEntry(stored, 'ft-c', byId('xlstm-small')).contextPadding).toBeUndefined();
    expect(graphEntry(byId('xlstm-small'), 'ft-d', byId('xlstm-small')).contextPadding).toEqual({ minPatches: 1 });
  });

  it('trainedAdjustment reads metrics.training.seasonalAdjustment; fine-tunes stored before it read raw series', () => {
    expect(trainedAdjustment({ training: { seasonalAdjustment: { cycles: 6 }, adjustedWindows: 3 } })).toEqual({ cycles: 6 });
    expect(trainedAdjustment({ training: { seasonalAdjustment: null, adjustedWindows: 0 } })).toBeNull();
    expect(trainedAdjustment({ training: { windows: 12 } })).toBeNull();
    expect(trainedAdjustment(null)).toBeNull();
    expect(trainedAdjustment({})).toBeNull();
  });
});
