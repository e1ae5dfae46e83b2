import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const ERROR = { type: 'object', nullable: true, properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;
const NUMBERS_BY_KEY = { type: 'object', additionalProperties: { type: 'number', nullable: true } } as const;

export class BacktestMetricsDto {
  @ApiProperty({ description: 'Evaluated (actual, forecast) pairs' }) count: number;
  @ApiProperty({ description: 'Test steps left out: missing actual (or forecast)' }) excluded: number;
  @ApiProperty({ nullable: true, type: Number }) mae: number | null;
  @ApiProperty({ nullable: true, type: Number }) rmse: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Fraction (0.05 = 5%); actual = 0 left out' }) mape: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Fraction in [0, 2]' }) smape: number | null;
  @ApiProperty({ nullable: true, type: Number }) wape: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Scaled by the in-sample seasonal-naive MAE of each window' }) mase: number | null;
  @ApiProperty({ nullable: true, type: Number }) rmsse: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean forecast - actual (positive = over-forecast)' }) bias: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean over the levels of the weighted quantile loss' }) meanWql: number | null;
  @ApiProperty({ ...NUMBERS_BY_KEY, description: 'level -> 2·Σ pinball / Σ|y|' }) wql: Record<string, number | null>;
  @ApiProperty({ ...NUMBERS_BY_KEY, description: 'nominal % (80 = q0.1..q0.9) -> share of actuals inside' }) coverage: Record<string, number | null>;
  @ApiProperty({ ...NUMBERS_BY_KEY, description: 'nominal % -> mean interval width' }) width: Record<string, number | null>;
}

export class BacktestRelativeDto {
  @ApiProperty({ nullable: true, type: Number }) mae: number | null;
  @ApiProperty({ nullable: true, type: Number }) rmse: number | null;
  @ApiProperty({ nullable: true, type: Number }) mape: number | null;
  @ApiProperty({ nullable: true, type: Number }) smape: number | null;
  @ApiProperty({ nullable: true, type: Number }) wape: number | null;
  @ApiProperty({ nullable: true, type: Number }) mase: number | null;
  @ApiProperty({ nullable: true, type: Number }) rmsse: number | null;
  @ApiProperty({ nullable: true, type: Number }) bias: number | null;
  @ApiProperty({ nullable: true, type: Number }) meanWql: number | null;
  @ApiProperty(NUMBERS_BY_KEY) wql: Record<string, number | null>;
  @ApiProperty(NUMBERS_BY_KEY) coverage: Record<string, number | null>;
  @ApiProperty(NUMBERS_BY_KEY) width: Record<string, number | null>;
}

export class BacktestScoreDto {
  @ApiProperty({ type: BacktestMetricsDto }) metrics: BacktestMetricsDto;
  @ApiProperty({ type: BacktestRelativeDto, description: "This model's metric / seasonal naive's on the same windows" }) relative: BacktestRelativeDto;
}

export class BacktestWindowScoreDto extends BacktestScoreDto {
  @ApiProperty() window: number;
}

export class BacktestSeriesModelDto {
  @ApiProperty({ enum: ['SUCCEEDED', 'FAILED'] }) status: string;
  @ApiPropertyOptional(ERROR) error: { code: string; message: string } | null;
  @ApiPropertyOptional({ type: BacktestMetricsDto }) metrics?: BacktestMetricsDto;
  @ApiPropertyOptional({ type: BacktestRelativeDto }) relative?: BacktestRelativeDto;
  @ApiPropertyOptional({ type: [BacktestWindowScoreDto] }) windows?: BacktestWindowScoreDto[];
}

export class BacktestWindowDto {
  @ApiProperty() index: number;
  @ApiProperty({ description: 'Last context timestamp' }) origin: string;
  @ApiProperty({ description: 'First test timestamp' }) start: string;
  @ApiProperty({ description: 'Last test timestamp' }) end: string;
}

export class BacktestSeriesDto {
  @ApiProperty({ format: 'uuid' }) seriesId: string;
  @ApiProperty({ nullable: true, type: String }) channel: string | null;
  @ApiProperty({ enum: ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED'] }) status: string;
  @ApiPropertyOptional(ERROR) error: { code: string; message: string } | null;
  @ApiPropertyOptional() frequency?: string;
  @ApiPropertyOptional({ description: 'Season length used (given or detected)' }) seasonalPeriod?: number;
  @ApiPropertyOptional({ type: [BacktestWindowDto] }) windows?: BacktestWindowDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { $ref: '#/components/schemas/BacktestSeriesModelDto' }, description: 'model -> result' })
  models?: Record<string, BacktestSeriesModelDto>;
}

export class BacktestSummaryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'] }) status: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty({ type: [String] }) models: string[];
  @ApiProperty({ type: [String] }) seriesIds: string[];
  @ApiProperty() horizon: number;
  @ApiProperty() windows: number;
  @ApiProperty() step: number;
  @ApiProperty({ type: [Number] }) quantiles: number[];
  @ApiProperty({ nullable: true, type: Number }) seasonalPeriod: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty() url: string;
  @ApiPropertyOptional(ERROR) error: { code: string; message: string } | null;
}

export class BacktestResponse extends BacktestSummaryResponse {
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { $ref: '#/components/schemas/BacktestScoreDto' },
    description: 'model -> metrics over every series and window (null until finished)',
  })
  metrics: Record<string, BacktestScoreDto | null> | null;
  @ApiProperty({ type: [BacktestSeriesDto] }) series: BacktestSeriesDto[];
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Durations' }) runtime: Record<string, unknown> | null;
}

export class BacktestPageResponse {
  @ApiProperty({ type: [BacktestSummaryResponse] }) items: BacktestSummaryResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class BacktestForecastDto {
  @ApiProperty() model: string;
  @ApiProperty({ format: 'uuid' }) seriesId: string;
  @ApiProperty() channel: string;
  @ApiProperty() window: number;
  @ApiProperty() origin: string;
  @ApiProperty({ type: [String] }) timestamps: string[];
  @ApiProperty({ type: 'array', items: { type: 'number', nullable: true }, description: 'null = missing actual (excluded)' }) actuals: (number | null)[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'number', nullable: true } }, description: 'level -> values' })
  quantiles: Record<string, (number | null)[]>;
}

export class BacktestForecastsResponse {
  @ApiProperty({ format: 'uuid' }) backtestId: string;
  @ApiProperty({ type: [BacktestForecastDto] }) items: BacktestForecastDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
