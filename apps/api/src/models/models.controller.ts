import { Controller, Delete, Get, HttpCode, Module, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ConflictError, NotFoundError } from '#common';
import { FinetunesRepository, ForecastsRepository } from '#db';
import { AUTO_MODEL_ID, AUTO_STATISTICAL, autoCandidates, trainedAdjustment, trainedPadding } from '#forecasting';
import { ModelCatalog, SeasonalAdjustmentSpec } from '#model-runtime';
import { TenantId } from '../auth/tenant-id.decorator';
import { FinetunesModule } from '../finetunes/finetunes.module';
import { FinetunesService } from '../finetunes/finetunes.service';

export class ContextSelectionResponse {
  @ApiProperty({ type: [Number], description: 'Candidate context lengths, grid steps' }) candidates: number[];
  @ApiProperty({ description: 'How many of the best-scoring candidates are averaged' }) top: number;
  @ApiProperty({ description: 'Validation windows, one horizon each at the end of the history, the scores are summed over' }) windows: number;
}

export class SeasonalAdjustmentResponse {
  @ApiProperty({ description: 'Seasons at the end of the model grid the seasonal profile is estimated on' }) cycles: number;
  @ApiProperty({
    type: Number, nullable: true,
    description: 'The additive profile is used instead of the multiplicative one where its residual sum of squares is below this fraction of the multiplicative one\'s '
      + '(a season whose swing does not grow with the level); null: multiplicative only (always for fine-tuned models, whose windows are adjusted multiplicatively)',
  })
  additive: number | null;
}

function adjustmentResponse(a: SeasonalAdjustmentSpec | null | undefined): SeasonalAdjustmentResponse | null {
  return a ? { cycles: a.cycles, additive: a.additive ?? null } : null;
}

export class ContextPaddingResponse {
  @ApiProperty({ description: 'A short context is left-padded with missing values to whole patches, at least this many' }) minPatches: number;
}

export class ModelResponse {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['xlstm', 'ssm', 'ensemble'], description: 'ensemble: `auto`, no ONNX graph of its own (candidates lists what it combines)' }) family: string;
  @ApiProperty() isDefault: boolean;
  @ApiProperty({ description: 'Grid points of context a request may ask for (contextLength)' }) maxContext: number;
  @ApiProperty({ description: 'Grid points of context used when a request names no contextLength (the longest context the model was trained on, at most maxContext)' }) defaultContext: number;
  @ApiProperty({ description: 'Grid steps' }) maxHorizon: number;
  @ApiProperty({ type: [Number] }) quantiles: number[];
  @ApiProperty() supportsMissingValues: boolean;
  @ApiProperty({ description: 'Head fine-tuning (per-request output heads)' }) supportsFineTuning: boolean;
  @ApiProperty({ description: "Served as a negation ensemble: the average of the forecast of the context and the mirrored forecast of the negated context (two model passes; the model's own head only, so false for fine-tuned models)" })
  negationEnsemble: boolean;
  @ApiProperty({
    type: ContextSelectionResponse, nullable: true,
    description: 'Per-series context selection for requests that name no contextLength: every candidate context length forecasts the last horizon(s) of the series\' own history, '
      + 'and the forecast averages the top best-scoring candidates (metadata.contextSelection of each result says which). Null: the defaultContext is used; always null for fine-tuned models',
  })
  contextSelection: ContextSelectionResponse | null;
  @ApiProperty({
    type: [Number], nullable: true,
    description: 'xlstm family: the seasonal periods (grid steps) its pre-training drew. A fixed-step series whose season is off this list, or does not fit 8 times in the context, '
      + 'is read on another grid on which it is on the list (metadata.modelGrid.coarsening says which). Null: no list (the ssm family reads the season through its scale factor)',
  })
  seasons: number[] | null;
  @ApiProperty({
    type: 'object', nullable: true, additionalProperties: { type: 'integer' }, example: { 2: 4 },
    description: 'ssm family: the period p its scale factor s = min(24, 24 / p) is computed from, keyed by the season m the service detects, where the model reads m better at another scale '
      + '(metadata.scaleFactor of each result says which). A season not listed: p = m. Null: every season is read as itself (and always for the xlstm family, which has no scale factor). '
      + 'A fine-tuned model reads its base\'s',
  })
  scalePeriods: Record<string, number> | null;
  @ApiProperty({
    type: ContextPaddingResponse, nullable: true,
    description: 'xlstm family: a context shorter than maxContext is left-padded with missing values to whole patches (at least minPatches), as the pre-training fed its contexts. '
      + 'Null: padded to maxContext. A fine-tuned model pads as its windows were embedded (metrics.training.contextPadding)',
  })
  contextPadding: ContextPaddingResponse | null;
  @ApiProperty({
    type: SeasonalAdjustmentResponse, nullable: true,
    description: 'Seasonal adjustment: a positive series whose lag-m autocorrelation passes the 90 % test (m: the season on the model grid) is divided by its multiplicative seasonal profile, '
      + 'estimated on the last `cycles` seasons (or, with `additive`, has its additive profile subtracted where that fits clearly better), before the model reads it, and the forecast gets the profile back '
      + '(metadata.seasonalAdjustment of each result says whether, which kind and with which factors or offsets). '
      + 'Null: the model reads the values as they are. A fine-tuned model has its base\'s when its windows were cut that way (metrics.training.seasonalAdjustment)',
  })
  seasonalAdjustment: SeasonalAdjustmentResponse | null;
  @ApiPropertyOptional({ description: 'ONNX models only' }) parameters?: number;
  @ApiPropertyOptional({ description: 'ONNX models only' }) sha256?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'ONNX models only' }) provenance?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'ONNX models only' }) licence?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'auto only: the candidates it scores per series on the last horizon of the history and combines (the best few, inverse-loss weighted; metadata.auto of each result says which)',
  })
  candidates?: string[];
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Execution provider in use on the workers, and why any requested provider fell back' })
  runtime: Record<string, unknown> | null;
  @ApiProperty({ description: "True for this tenant's fine-tuned models (visible to no other tenant)" }) finetuned: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Fine-tuned models: the catalog model whose session serves it' }) baseModel: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Fine-tuned models: GET /v1/finetunes/{id}' }) finetuneId: string | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Fine-tuned models: training parameters' }) params: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Fine-tuned models: validation WQL/MASE before (zero-shot) and after, and their ratios' })
  metrics: Record<string, unknown> | null;
}

@ApiTags('models')
@ApiBearerAuth()
@Controller('v1/models')
export class ModelsController {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly forecasts: ForecastsRepository,
    private readonly finetunes: FinetunesRepository,
    private readonly finetuneService: FinetunesService,
  ) {}

  /** The catalog, then this tenant's fine-tuned models. */
  @Get()
  @ApiOkResponse({ type: [ModelResponse] })
  async list(@TenantId() tenantId: string): Promise<ModelResponse[]> {
    const workers = await this.forecasts.runtimeStatus();
    const base = this.catalog.list().map((e): ModelResponse => {
      const seen = workers.flatMap((w) => (w.models as { id: string }[]).filter((m) => m.id === e.id).map((m) => ({ worker: w.workerId, ...m })));
      return {
        id: e.id, family: e.family, isDefault: e.id === this.catalog.defaultModel, maxContext: e.contextLength, defaultContext: e.defaultContext ?? e.contextLength,
        maxHorizon: e.maxHorizon, quantiles: e.quantiles, supportsMissingValues: e.supportsMissing, supportsFineTuning: e.head.tensors.length > 0,
        negationEnsemble: e.negationEnsemble === true, contextSelection: e.contextSelection ? { windows: 1, ...e.contextSelection } : null, seasons: e.seasons ?? null,
        scalePeriods: e.scalePeriods ?? null, contextPadding: e.contextPadding ? { minPatches: e.contextPadding.minPatches } : null,
        seasonalAdjustment: adjustmentResponse(e.seasonalAdjustment), parameters: e.parameters, sha256: e.sha256, provenance: e.provenance, licence: e.licence,
        runtime: seen.length ? { workers: seen } : null, finetuned: false, baseModel: null, finetuneId: null, params: null, metrics: null,
      };
    });
    const own = (await this.finetunes.models(tenantId)).map((f): ModelResponse => {
      const b = base.find((m) => m.id === f.baseModel);
      return {
        id: f.name, family: b?.family ?? 'unknown', isDefault: false, maxContext: b?.maxContext ?? 0, defaultContext: b?.defaultContext ?? 0, maxHorizon: b?.maxHorizon ?? 0,
        quantiles: b?.quantiles ?? [], supportsMissingValues: b?.supportsMissingValues ?? false, supportsFineTuning: false, negationEnsemble: false, contextSelection: null, seasons: b?.seasons ?? null,
        scalePeriods: b?.scalePeriods ?? null, contextPadding: trainedPadding(f.metrics),
        // Trained on windows cut with its base's adjustment (metrics.training.seasonalAdjustment): it forecasts that way too.
        seasonalAdjustment: adjustmentResponse(trainedAdjustment(f.metrics)),
        parameters: b?.parameters ?? 0, sha256: f.headSha256!, provenance: { source: 'finetune', method: f.method, createdAt: new Date(f.createdAt).toISOString() },
        licence: b?.licence ?? 'unknown', runtime: null, finetuned: true, baseModel: f.baseModel, finetuneId: f.id, params: f.params, metrics: f.metrics,
      };
    });
    return [...base, ...this.auto(base), ...own];
  }

  /** `auto` (forecasts only, not the default): the limits all its foundation candidates meet, no ONNX fields. */
  private auto(base: ModelResponse[]): ModelResponse[] {
    const fm = autoCandidates(base);
    if (!fm.length) return [];
    return [
      {
        id: AUTO_MODEL_ID, family: 'ensemble', isDefault: false, maxContext: Math.min(...fm.map((m) => m.maxContext)), defaultContext: Math.min(...fm.map((m) => m.defaultContext)),
        maxHorizon: Math.min(...fm.map((m) => m.maxHorizon)), quantiles: fm[0].quantiles.filter((q) => fm.every((m) => m.quantiles.includes(q))), supportsMissingValues: true,
        supportsFineTuning: false, negationEnsemble: false, contextSelection: null, seasons: null, scalePeriods: null, contextPadding: null, seasonalAdjustment: null, runtime: null,
        finetuned: false, baseModel: null, finetuneId: null, params: null, metrics: null, candidates: [...fm.map((m) => m.id), ...AUTO_STATISTICAL],
      },
    ];
  }

  /** Deletes one of this tenant's fine-tuned models (catalog models are read-only). */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; 409 MODEL_IN_USE while a schedule uses it, 409 MODEL_READ_ONLY for catalog models' })
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    if (this.catalog.list().some((e) => e.id === id)) throw new ConflictError('MODEL_READ_ONLY', `Model ${id} is part of the catalog and cannot be deleted`);
    const f = await this.finetunes.byName(tenantId, id);
    if (!f) throw new NotFoundError('model', id);
    await this.finetuneService.delete(tenantId, f.id);
  }
}

@Module({ imports: [FinetunesModule], controllers: [ModelsController] })
export class ModelsModule {}
