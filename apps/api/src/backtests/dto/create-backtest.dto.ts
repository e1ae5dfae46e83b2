import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
} from 'class-validator';
import { IsFrequencyLabel } from '../../series/dto/validators';

export class CreateBacktestDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Series to backtest (or use tag)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional({ description: 'Backtest every series carrying this tag (or use seriesIds)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  tag?: string;

  @ApiPropertyOptional({ type: [String], description: 'Only these channels (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  channels?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['xlstm-dev', 'ets', 'seasonal_naive'],
    description:
      "Model ids (GET /v1/models: catalog ids and the tenant's fine-tuned names) and the baselines seasonal_naive, naive, ets; the default model when absent",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  models?: string[];

  @ApiProperty({ minimum: 1, maximum: 10000, description: 'Grid steps forecast from each origin' })
  @IsInt()
  @Min(1)
  @Max(10000)
  horizon: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 3, description: 'Rolling origins (the last one ends at the last observation)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  windows?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Grid steps between origins (default: horizon)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  step?: number;

  @ApiPropertyOptional({ type: [Number], example: [0.1, 0.5, 0.9], description: 'Quantile levels to evaluate (0.5 is always added); default 0.1..0.9' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(9)
  @ArrayUnique()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  quantiles?: number[];

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, description: 'Season length for MASE/RMSSE and seasonal naive (detected per series when absent)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  seasonalPeriod?: number;

  @ApiPropertyOptional({ example: '1h', description: 'Override the declared or inferred frequency' })
  @IsOptional()
  @Validate(IsFrequencyLabel)
  frequency?: string;
}
