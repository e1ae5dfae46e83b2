import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SeriesStatsResponse {
  @ApiProperty() count: number;
  @ApiProperty({ nullable: true, type: String }) first: string | null;
  @ApiProperty({ nullable: true, type: String }) last: string | null;
  @ApiProperty({ nullable: true, type: String, example: '1h' }) inferredFrequency: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of consecutive steps equal to the inferred step (0..1)' }) regularity: number | null;
  @ApiProperty({ nullable: true, type: Number }) medianStepMs: number | null;
  @ApiProperty({ nullable: true, type: Number }) stepDispersion: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Grid points absent between first and last' }) missingSteps: number | null;
  @ApiProperty({ type: [Number], description: 'Missing (null) values per channel' }) missingValues: number[];
  @ApiProperty() computedAt: string;
}

export class SeriesResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) channels: string[];
  @ApiProperty({ nullable: true, type: String }) frequency: string | null;
  @ApiProperty() timezone: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiPropertyOptional({ type: SeriesStatsResponse, nullable: true, description: 'Null until the first stats job after an upload finishes' })
  stats: SeriesStatsResponse | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class SeriesPageResponse {
  @ApiProperty({ type: [SeriesResponse] }) items: SeriesResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class JobRefResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty() state: string;
}

export class IngestResponse {
  @ApiProperty({ format: 'uuid' }) seriesId: string;
  @ApiProperty({ description: 'Rows (timestamps) written; re-sent timestamps replace earlier values' }) written: number;
  @ApiProperty({ type: JobRefResponse, description: 'The job that recomputes the series stats' }) statsJob: JobRefResponse;
}

export class ObservationsJsonBody {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: ['2024-01-01T00:00:00Z', 1704070800000, '1750-03-01'],
    description:
      'ISO 8601 (naive = UTC; also YYYY and YYYY-MM) or epoch milliseconds, years 0001..9999 (proleptic Gregorian). A string of exactly four digits is a year ("1750" = 1750-01-01); a JSON number is always epoch ms',
  })
  timestamps: (string | number)[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number', nullable: true } },
    example: [[1.5, null]],
    description: 'One array per channel, aligned with timestamps; null = missing',
  })
  values: (number | null)[][];
}

export class ObservationsResponse {
  @ApiProperty({ format: 'uuid' }) seriesId: string;
  @ApiProperty({ type: [String] }) channels: string[];
  @ApiProperty({ type: [String] }) timestamps: string[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number', nullable: true } } }) values: (number | null)[][];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the rows after this page; null on the last page' })
  nextCursor: string | null;
}
