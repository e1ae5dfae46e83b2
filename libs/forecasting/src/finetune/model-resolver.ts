import { Injectable } from '@nestjs/common';
import { NotFoundError } from '#common';
import { FinetunesRepository } from '#db';
import { ContextPaddingSpec, ManifestEntry, ModelRuntime, SeasonalAdjustmentSpec, readSafetensors, sha256Hex } from '#model-runtime';

export interface ResolvedModel {
  /** What the client asked for: a catalog id or the tenant's fine-tuned model name. */
  id: string;
  /** The shared base session that runs it. */
  baseModelId: string;
  entry: ManifestEntry;
  /** `default`, or the sha256 of a fine-tuned head fed to the base session per request. */
  head: string;
  finetuned: boolean;
  /**
   * Whether forecasts read the series seasonally adjusted (manifest `seasonalAdjustment` of `entry`):
   * catalog models always; a fine-tune when it was trained on adjusted windows (its
   * metrics.training.seasonalAdjustment, trainedAdjustment), so that a head or graph reads what it was trained on.
   */
  adjustSeasons: boolean;
  /**
   * xlstm heads fine-tuned before the base's manifest `contextPadding` (no metrics.training.contextPadding
   * record): their embeddings were computed on contexts padded to contextLength, so are their forecasts'.
   */
  padToContext: boolean;
}

/**
 * The context padding a stored fine-tune's windows were embedded with (metrics.training.contextPadding),
 * or null: padded to the model's contextLength (no contextPadding, or a fine-tune from before it).
 */
export function trainedPadding(metrics: unknown): ContextPaddingSpec | null {
  return (metrics as { training?: { contextPadding?: ContextPaddingSpec | null } } | null)?.training?.contextPadding ?? null;
}

/**
 * The seasonal adjustment a stored fine-tune's windows were cut with (its metrics.training record), or
 * null: none, or a fine-tune from before the adjustment.
 */
export function trainedAdjustment(metrics: unknown): SeasonalAdjustmentSpec | null {
  return (metrics as { training?: { seasonalAdjustment?: SeasonalAdjustmentSpec | null } } | null)?.training?.seasonalAdjustment ?? null;
}

/**
 * The runtime entry of a stored `full` fine-tune graph, under its runtime id. Graphs stored before
 * entries carried `seasons` or `scalePeriods` read those of the catalog model they were tuned from (the
 * graph is that model with its last blocks retrained, trained on the windows that model reads).
 */
export function graphEntry(stored: ManifestEntry, id: string, base?: ManifestEntry): ManifestEntry {
  // A graph carries seasonalAdjustment only when it was trained on adjusted windows (finetune.service).
  const same = base?.family === stored.family;
  const seasons = stored.seasons ?? (same ? base.seasons : undefined);
  const scalePeriods = stored.scalePeriods ?? (same ? base.scalePeriods : undefined);
  return { ...stored, id, ...(seasons ? { seasons } : {}), ...(scalePeriods ? { scalePeriods } : {}) };
}

/**
 * Model ids → (base model, head). Catalog models run with their default head; a tenant's
 * fine-tuned model runs on its base model's session with its own head, loaded once per worker
 * from PostgreSQL (content-addressed) and kept in the runtime's LRU of heads.
 */
@Injectable()
export class ModelResolver {
  constructor(
    private readonly runtime: ModelRuntime,
    private readonly finetunes: FinetunesRepository,
  ) {}

  async resolve(tenantId: string, modelId: string): Promise<ResolvedModel> {
    // Only manifest models by id: a tenant's full fine-tune graph is reachable through its name only.
    if (this.runtime.isCatalogModel(modelId))
      return {
        id: modelId,
        baseModelId: modelId,
        entry: this.runtime.entry(modelId),
        head: 'default',
        finetuned: false,
        adjustSeasons: true,
        padToContext: false,
      };
    const ft = await this.finetunes.byName(tenantId, modelId);
    if (!ft || ft.status !== 'SUCCEEDED' || !ft.headSha256) throw new NotFoundError('model', modelId);
    if (ft.graphSha256) {
      // A `full` fine-tune: its own graph (loaded on first use) with its own default head.
      const id = `ft-${ft.graphSha256.slice(0, 24)}`;
      if (!this.runtime.has(id)) {
        const g = await this.finetunes.graph(ft.graphSha256);
        const head = await this.finetunes.headBytes(ft.headSha256);
        if (!g || !head) throw new NotFoundError('model', modelId);
        if (sha256Hex(g.data) !== ft.graphSha256) throw new Error(`graph ${ft.graphSha256} of model ${modelId} fails its checksum`);
        const base = this.runtime.isCatalogModel(ft.baseModel) ? this.runtime.entry(ft.baseModel) : undefined;
        await this.runtime.loadGraph(graphEntry(g.entry as unknown as ManifestEntry, id, base), g.data, head);
      }
      // A graph's own entry says how it pads (graphs stored before contextPadding have none: padded to contextLength).
      return {
        id: modelId,
        baseModelId: id,
        entry: this.runtime.entry(id),
        head: 'default',
        finetuned: true,
        adjustSeasons: trainedAdjustment(ft.metrics) !== null,
        padToContext: false,
      };
    }
    const entry = this.runtime.entry(ft.baseModel);
    if (!this.runtime.hasHead(entry.id, ft.headSha256)) {
      const bytes = await this.finetunes.headBytes(ft.headSha256);
      if (!bytes) throw new NotFoundError('model', modelId);
      const t = readSafetensors(bytes).tensors;
      this.runtime.setHead(entry.id, ft.headSha256, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.data as Float32Array])));
    }
    // The head reads the series adjusted as its windows were (the record: multiplicative, the base's cycles), not by the base's manifest alone.
    const trained = trainedAdjustment(ft.metrics);
    return {
      id: modelId,
      baseModelId: entry.id,
      entry: trained ? { ...entry, seasonalAdjustment: trained } : entry,
      head: ft.headSha256,
      finetuned: true,
      adjustSeasons: trained !== null,
      padToContext: trainedPadding(ft.metrics) === null,
    };
  }
}
