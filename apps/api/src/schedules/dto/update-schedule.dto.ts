import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ForecastTemplateDto } from './forecast-template.dto';

/** Every field optional; `forecast` replaces the whole template; seriesIds or tag replaces the selector. */
export class UpdateScheduleDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(120) cron?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) timezone?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100) tag?: string;

  @ApiPropertyOptional({ type: ForecastTemplateDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ForecastTemplateDto)
  forecast?: ForecastTemplateDto;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ enum: ['skip', 'queue'] }) @IsOptional() @IsIn(['skip', 'queue']) overlap?: 'skip' | 'queue';
  @ApiPropertyOptional() @IsOptional() @IsBoolean() catchUp?: boolean;
}
