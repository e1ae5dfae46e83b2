import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IntParam } from '../../common/int-param';

export class ReadObservationsQuery {
  @ApiPropertyOptional({ description: 'Inclusive lower bound (ISO 8601 or epoch ms, years 0001..9999)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'Inclusive upper bound (ISO 8601 or epoch ms, years 0001..9999)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (nextCursor, or the CSV X-Next-Cursor header)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'Rows per page: default TSFM_OBSERVATIONS_DEFAULT_LIMIT (10,000), at most TSFM_OBSERVATIONS_MAX_LIMIT (100,000; more is 400 LIMIT_TOO_LARGE)',
  })
  @IsOptional()
  @IntParam()
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
