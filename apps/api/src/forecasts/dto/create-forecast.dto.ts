import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, Validate,
} from 'class-validator';
import { IsFrequencyLabel } from '../../series/dto/validators';

export class InlineDataDto {
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }] } }) timestamps: (string | number)[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number', nullable: true } }, description: 'One array per channel' }) values: (number | null)[][];
  @ApiPropertyOptional({ type: [String], description: 'Channel names (default value, value_2, ...)' }) channels?: string[];
}

export class CreateForecastDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Stored series to forecast (or use data)' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique() @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional({ type: InlineDataDto, description: 'Inline series for stateless use (or use seriesIds)' })
  @IsOptional() @IsObject()
  data?: InlineDataDto;

  @ApiPropertyOptional({ type: [String], description: 'Only these channels (default: all)' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(256) @IsString({ each: true }) @MaxLength(100, { each: true })
  channels?: string[];

  @ApiPropertyOptional({ description: 'Model id (GET /v1/models); the configured default when absent' })
  @IsOptional() @IsString() @MaxLength(64)
  model?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Grid steps to forecast (exactly one of horizon, until, at)' })
  @IsOptional() @IsInt() @Min(1) @Max(100000)
  horizon?: number;

  @ApiPropertyOptional({ description: 'Forecast every grid step up to this timestamp' })
  @IsOptional() @IsString() @MaxLength(40)
  until?: string;

  @ApiPropertyOptional({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }] }, description: 'Arbitrary future timestamps (continuous-time query)' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10000)
  at?: (string | number)[];

  @ApiPropertyOptional({ type: [Number], example: [0.1, 0.5, 0.9], description: "A subset of the model's quantile levels" })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(9) @ArrayUnique() @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  quantiles?: number[];

  @ApiPropertyOptional({
    minimum: 2,
    description: "Grid points of context (at most the model's maxContext). Without it a catalog model reads its defaultContext, or, where GET /v1/models lists a "
      + 'contextSelection, picks per series among its candidate lengths on the last horizon of the history (more model passes; naming a contextLength turns it off)',
  })
  @IsOptional() @IsInt() @Min(2) @Max(16384)
  contextLength?: number;

  @ApiPropertyOptional({ example: '1h', description: 'Override the declared or inferred frequency' })
  @IsOptional() @Validate(IsFrequencyLabel)
  frequency?: string;

  @ApiPropertyOptional({ enum: ['linear', 'mean', 'last', 'none'], description: 'Resampling onto the model grid (chosen automatically when absent)' })
  @IsOptional() @IsIn(['linear', 'mean', 'last', 'none'])
  resampling?: 'linear' | 'mean' | 'last' | 'none';

  @ApiPropertyOptional({ minimum: 0, maximum: 60, default: 10, description: 'Seconds to wait for the result before answering 202' })
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(60)
  wait?: number;
}
