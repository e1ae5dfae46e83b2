import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IsTimestampParam } from '../../common/timestamp-param';
import { IntParam } from '../../common/int-param';

export class ListForecastsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() seriesId?: string;
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601 or epoch ms; 400 INVALID_TIMESTAMP otherwise)' })
  @IsOptional()
  @IsTimestampParam()
  from?: string;
  @ApiPropertyOptional({ description: 'Created at or before (ISO 8601 or epoch ms; 400 INVALID_TIMESTAMP otherwise)' })
  @IsOptional()
  @IsTimestampParam()
  to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @IntParam() @IsInt() @Min(1) @Max(500) limit?: number;
}
