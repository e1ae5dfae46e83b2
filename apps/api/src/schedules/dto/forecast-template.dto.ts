import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
} from 'class-validator';
import { IsFrequencyLabel } from '../../series/dto/validators';

/** What every run forecasts; the same fields and limits as POST /v1/forecasts, minus the data. */
export class ForecastTemplateDto {
  @ApiPropertyOptional({ description: 'Model id (GET /v1/models); the configured default when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  model?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Grid steps to forecast (exactly one of horizon, until)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  horizon?: number;

  @ApiPropertyOptional({ example: 'P2D', description: 'ISO 8601 duration after each tick time: forecast every grid step up to then' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, { message: 'until must be an ISO 8601 duration such as P2D or PT36H' })
  until?: string;

  @ApiPropertyOptional({ type: [Number], example: [0.1, 0.5, 0.9], description: "A subset of the model's quantile levels" })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(9)
  @ArrayUnique()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  quantiles?: number[];

  @ApiPropertyOptional({ type: [String], description: 'Only these channels (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  channels?: string[];

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

  @ApiPropertyOptional({ enum: ['linear', 'mean', 'last', 'none'] })
  @IsOptional()
  @IsIn(['linear', 'mean', 'last', 'none'])
  resampling?: 'linear' | 'mean' | 'last' | 'none';
}
