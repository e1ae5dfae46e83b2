import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SeriesForecastResponse {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null for inline data' }) seriesId: string | null;
  @ApiProperty() channel: string;
  @ApiProperty({ enum: ['SUCCEEDED', 'FAILED'] }) status: string;
  @ApiPropertyOptional({ type: 'object', nullable: true, properties: { code: { type: 'string' }, message: { type: 'string' } } }) error: {
    code: string;
    message: string;
  } | null;
  @ApiProperty({ type: [String] }) timestamps: string[];
  @ApiProperty({ type: [Number], nullable: true, description: 'q0.5 when the model has it' }) median: number[] | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'number' } }, description: 'level -> values' }) quantiles: Record<
    string,
    number[]
  >;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description:
      'Continuous-time resampling metadata: sourceGrid, modelGrid (with coarsening), method, imputed, scaleFactor, seasonalPeriod, output, contextSelection, seasonalAdjustment and modelInput (how the model read its context: rule whole-patches or window, contextSteps, fedSteps). Null for a failed series',
  })
  metadata: Record<string, unknown> | null;
}

export class ForecastResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'] }) status: string;
  @ApiProperty() model: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty() url: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Model sha256, execution provider, onnxruntime version, durations' })
  runtime: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, properties: { code: { type: 'string' }, message: { type: 'string' } } }) error: {
    code: string;
    message: string;
  } | null;
  @ApiProperty({ type: [SeriesForecastResponse] }) series: SeriesForecastResponse[];
}

export class ForecastSummaryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() status: string;
  @ApiProperty() model: string;
  @ApiProperty({ type: [String] }) seriesIds: string[];
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty() url: string;
}

export class ForecastPageResponse {
  @ApiProperty({ type: [ForecastSummaryResponse] }) items: ForecastSummaryResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
