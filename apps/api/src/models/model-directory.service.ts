import { Injectable } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '#common';
import { FinetunesRepository } from '#db';
import { AUTO_MODEL_ID, autoCandidates } from '#forecasting';
import { ManifestEntry, ModelCatalog } from '#model-runtime';

export interface DirectoryModel {
  /** The id the client uses: a catalog id or one of the tenant's fine-tuned model names. */
  id: string;
  /** The catalog entry whose limits apply (the base model of a fine-tuned one). */
  entry: ManifestEntry;
  finetuned: boolean;
}

/**
 * Every model id a tenant may use: the catalog's, and its own fine-tuned models (never another
 * tenant's: those answer 404 like unknown ids). Forecasts, backtests and schedules validate here.
 */
@Injectable()
export class ModelDirectory {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly finetunes: FinetunesRepository,
  ) {}

  /** The foundation candidates of `auto` (as the worker picks them); its limits are those all of them meet. */
  autoCandidates(): ManifestEntry[] {
    return autoCandidates(this.catalog.list());
  }

  /** `auto` is accepted where the caller says it can run it (forecasts); elsewhere it is a 422 AUTO_NOT_SUPPORTED. */
  async resolve(tenantId: string, id: string | undefined, o: { auto?: boolean; what?: string } = {}): Promise<DirectoryModel> {
    const wanted = id ?? this.catalog.defaultModel;
    if (wanted === AUTO_MODEL_ID) {
      if (!o.auto) throw new InvalidInputError('AUTO_NOT_SUPPORTED', `Model auto is available for forecasts only, not for ${o.what ?? 'this request'} yet; name a catalog model`);
      const all = this.autoCandidates();
      if (!all.length) throw new NotFoundError('model', wanted);
      const entry: ManifestEntry = {
        ...all[0],
        maxHorizon: Math.min(...all.map((e) => e.maxHorizon)),
        contextLength: Math.min(...all.map((e) => e.contextLength)),
        quantiles: all[0].quantiles.filter((q) => all.every((e) => e.quantiles.some((l) => Math.abs(l - q) < 1e-9))),
      };
      return { id: AUTO_MODEL_ID, entry, finetuned: false };
    }
    if (this.catalog.list().some((e) => e.id === wanted)) return { id: wanted, entry: this.catalog.get(wanted), finetuned: false };
    const ft = await this.finetunes.byName(tenantId, wanted);
    if (!ft || ft.status !== 'SUCCEEDED') throw new NotFoundError('model', wanted);
    return { id: wanted, entry: this.catalog.get(ft.baseModel), finetuned: true };
  }
}

/**
 * The model limits every request naming a model is checked against (a fine-tuned model has its
 * base model's): the quantile levels it offers, its horizon and its context length. `label` is the
 * id the client used, for the message. Returns the requested levels (default: all), sorted.
 */
export function checkModelLimits(entry: ManifestEntry, r: { quantiles?: number[]; horizon?: number; contextLength?: number }, label = entry.id): number[] {
  const quantiles = r.quantiles ?? entry.quantiles;
  const unknown = quantiles.filter((q) => !entry.quantiles.some((l) => Math.abs(l - q) < 1e-9));
  if (unknown.length) {
    throw new InvalidInputError('QUANTILE_NOT_AVAILABLE', `Model ${label} has quantile levels ${entry.quantiles.join(', ')}; not ${unknown.join(', ')}`, { available: entry.quantiles });
  }
  if (r.horizon !== undefined && r.horizon > entry.maxHorizon) {
    throw new InvalidInputError('HORIZON_TOO_LONG', `horizon ${r.horizon} exceeds model ${label}'s limit of ${entry.maxHorizon} steps`, { maxHorizon: entry.maxHorizon });
  }
  if (r.contextLength !== undefined && r.contextLength > entry.contextLength) {
    throw new InvalidInputError('CONTEXT_TOO_LONG', `contextLength exceeds model ${label}'s ${entry.contextLength}`);
  }
  return [...quantiles].sort((a, b) => a - b);
}
