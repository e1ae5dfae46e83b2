import { Injectable } from '@nestjs/common';
import { NotFoundError } from '#common';
import { FinetunesRepository } from '#db';
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

  async resolve(tenantId: string, id: string | undefined): Promise<DirectoryModel> {
    const wanted = id ?? this.catalog.defaultModel;
    if (this.catalog.list().some((e) => e.id === wanted)) return { id: wanted, entry: this.catalog.get(wanted), finetuned: false };
    const ft = await this.finetunes.byName(tenantId, wanted);
    if (!ft || ft.status !== 'SUCCEEDED') throw new NotFoundError('model', wanted);
    return { id: wanted, entry: this.catalog.get(ft.baseModel), finetuned: true };
  }
}
