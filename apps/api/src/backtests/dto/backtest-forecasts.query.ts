import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IntParam } from '../../common/int-param';

export class BacktestForecastsQuery {
  @ApiPropertyOptional({ description: 'Only this model' }) @IsOptional() @IsString() @MaxLength(64) model?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this series' }) @IsOptional() @IsUUID() seriesId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 500 }) @IsOptional() @IntParam() @IsInt() @Min(1) @Max(5000) limit?: number;
  @ApiPropertyOptional({ minimum: 0, description: 'Only this window (0 = earliest origin)' })
  @IsOptional()
  @IntParam()
  @IsInt()
  @Min(0)
  @Max(1000)
  window?: number;
}
