import { Controller, Get, Module } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ForecastsRepository } from '#db';
import { ModelCatalog } from '#model-runtime';

export class ModelResponse {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['xlstm', 'ssm'] }) family: string;
  @ApiProperty() isDefault: boolean;
  @ApiProperty({ description: 'Grid points of context' }) maxContext: number;
  @ApiProperty({ description: 'Grid steps' }) maxHorizon: number;
  @ApiProperty({ type: [Number] }) quantiles: number[];
  @ApiProperty() supportsMissingValues: boolean;
  @ApiProperty({ description: 'Head fine-tuning (per-request output heads)' }) supportsFineTuning: boolean;
  @ApiProperty() parameters: number;
  @ApiProperty() sha256: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) provenance: Record<string, unknown>;
  @ApiProperty() licence: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Execution provider in use on the workers, and why any requested provider fell back' })
  runtime: Record<string, unknown> | null;
}

@ApiTags('models')
@ApiBearerAuth()
@Controller('v1/models')
export class ModelsController {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly forecasts: ForecastsRepository,
  ) {}

  @Get()
  @ApiOkResponse({ type: [ModelResponse] })
  async list(): Promise<ModelResponse[]> {
    const workers = await this.forecasts.runtimeStatus();
    return this.catalog.list().map((e) => {
      const seen = workers.flatMap((w) => (w.models as { id: string }[]).filter((m) => m.id === e.id).map((m) => ({ worker: w.workerId, ...m })));
      return {
        id: e.id, family: e.family, isDefault: e.id === this.catalog.defaultModel, maxContext: e.contextLength, maxHorizon: e.maxHorizon,
        quantiles: e.quantiles, supportsMissingValues: e.supportsMissing, supportsFineTuning: e.head.tensors.length > 0,
        parameters: e.parameters, sha256: e.sha256, provenance: e.provenance, licence: e.licence,
        runtime: seen.length ? { workers: seen } : null,
      };
    });
  }
}

@Module({ controllers: [ModelsController] })
export class ModelsModule {}
