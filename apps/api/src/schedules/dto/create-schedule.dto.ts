import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ForecastTemplateDto } from './forecast-template.dto';

export class CreateScheduleDto {
  @ApiProperty({ example: 'nightly-eu' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({
    example: '0 2 * * *',
    description:
      '5 fields (minute hour day month weekday), or 6 with seconds first; ticks at least TSFM_SCHEDULE_MIN_INTERVAL_S apart (60 s by default), else 422 SCHEDULE_TOO_FREQUENT',
  })
  @IsString()
  @MaxLength(120)
  cron: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'IANA timezone the cron is read in (daylight saving included)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'These series (exactly one of seriesIds, tag); ids deleted later are left out' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional({ example: 'eu', description: 'Every series carrying this tag, read again at each run' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  tag?: string;

  @ApiProperty({ type: ForecastTemplateDto, description: 'What each run forecasts for every member series' })
  @IsDefined()
  @ValidateNested()
  @Type(() => ForecastTemplateDto)
  forecast: ForecastTemplateDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    enum: ['skip', 'queue'],
    default: 'skip',
    description: 'A tick while the previous run is still going: record it SKIPPED, or run it after',
  })
  @IsOptional()
  @IsIn(['skip', 'queue'])
  overlap?: 'skip' | 'queue';

  @ApiPropertyOptional({ default: false, description: 'On worker start, run ticks missed while no worker was up (at most 10)' })
  @IsOptional()
  @IsBoolean()
  catchUp?: boolean;
}
