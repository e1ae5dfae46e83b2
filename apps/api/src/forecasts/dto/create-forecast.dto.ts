import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CHANNEL_NAME_PATTERN, IsChannelNames, IsFrequencyLabel, MAX_CHANNELS } from '../../series/dto/validators';

/**
 * The shape is checked here with the stored-series rules (channel names, at most 256 channels);
 * timestamps and values are checked by the upload parser, so each fault gets the upload's code
 * (INVALID_TIMESTAMP, DUPLICATE_TIMESTAMP, NAN_VALUE, CHANNEL_COUNT_MISMATCH, PAYLOAD_TOO_LARGE, ...).
 */
export class InlineDataDto {
  @ApiProperty({
    type: 'array',
    minItems: 1,
    items: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    description: 'ISO 8601 or epoch milliseconds, as for POST /v1/series/{id}/observations; any order, no duplicates',
  })
  @IsArray()
  @ArrayMinSize(1)
  timestamps: (string | number)[];

  @ApiProperty({
    type: 'array',
    minItems: 1,
    maxItems: MAX_CHANNELS,
    items: { type: 'array', items: { type: 'number', nullable: true } },
    description: 'One array per channel, each as long as timestamps; null is a missing value',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHANNELS)
  values: (number | null)[][];

  @ApiPropertyOptional({
    type: 'array',
    minItems: 1,
    maxItems: MAX_CHANNELS,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: 100, pattern: CHANNEL_NAME_PATTERN },
    description: 'Channel names, one per values array, with the rules of a stored series (default value, value_2, ...)',
  })
  @IsOptional()
  @IsChannelNames()
  channels?: string[];
}

/** Optional but not nullable: a null seriesIds or data would slip past "exactly one of" checks. */
const present = (_: object, v: unknown) => v !== undefined;

export class CreateForecastDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Stored series to forecast (or use data)' })
  @ValidateIf(present)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional({ type: InlineDataDto, description: 'Inline series for stateless use (or use seriesIds)' })
  @ValidateIf(present)
  @IsObject()
  @ValidateNested()
  @Type(() => InlineDataDto)
  data?: InlineDataDto;

  @ApiPropertyOptional({ type: [String], description: 'Only these channels (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  channels?: string[];

  @ApiPropertyOptional({
    description:
      'Model id (GET /v1/models), or auto (forecasts only: per series, a validated mix of the catalog models, ETS, Theta and seasonal naive; metadata.auto says which); the configured default when absent',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  model?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Grid steps to forecast (exactly one of horizon, until, at)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  horizon?: number;

  @ApiPropertyOptional({ description: 'Forecast every grid step up to this timestamp' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  until?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    description: 'Arbitrary future timestamps (continuous-time query)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  at?: (string | number)[];

  @ApiPropertyOptional({ type: [Number], example: [0.1, 0.5, 0.9], description: "A subset of the model's quantile levels" })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(9)
  @ArrayUnique()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  quantiles?: number[];

  @ApiPropertyOptional({
    minimum: 2,
    description:
      "Grid points of context (at most the model's maxContext). Without it a catalog model reads its defaultContext, or, where GET /v1/models lists a " +
      'contextSelection, picks per series among its candidate lengths on the last horizon of the history (more model passes; naming a contextLength turns it off)',
  })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(16384)
  contextLength?: number;

  @ApiPropertyOptional({ example: '1h', description: 'Override the declared or inferred frequency' })
  @IsOptional()
  @Validate(IsFrequencyLabel)
  frequency?: string;

  @ApiPropertyOptional({ enum: ['linear', 'mean', 'last', 'none'], description: 'Resampling onto the model grid (chosen automatically when absent)' })
  @IsOptional()
  @IsIn(['linear', 'mean', 'last', 'none'])
  resampling?: 'linear' | 'mean' | 'last' | 'none';

  @ApiPropertyOptional({ minimum: 0, maximum: 60, default: 10, description: 'Seconds to wait for the result before answering 202' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(60)
  wait?: number;
}
