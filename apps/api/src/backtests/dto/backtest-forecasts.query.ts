import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class BacktestForecastsQuery {
  @ApiPropertyOptional({ description: 'Only this model' }) @IsOptional() @IsString() @MaxLength(64) model?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this series' }) @IsOptional() @IsUUID() seriesId?: string;
  @ApiPropertyOptional({ minimum: 0, description: 'Only this window (0 = earliest origin)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) window?: number;
}
