import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, Validate } from 'class-validator';
import { IsChannelNames, IsFrequencyLabel, IsIanaTimezone, IsStringRecord } from './validators';

// eslint-disable-next-line no-control-regex -- the pattern exists to reject control characters
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f]+$/;

export class CreateSeriesDto {
  @ApiProperty({ example: 'store-42-sales', description: 'Unique per tenant; 1-200 characters' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name: string;

  @ApiPropertyOptional({ type: [String], example: ['sales', 'visits'], default: ['value'], description: 'Channel (variable) names, 1-256' })
  @IsOptional()
  @IsChannelNames()
  channels?: string[];

  @ApiPropertyOptional({ example: '1h', description: 'Declared frequency (e.g. 5min, 1h, 1D, B, 1W, 1M, 1Q, 1Y); inferred when absent' })
  @IsOptional()
  @Validate(IsFrequencyLabel)
  frequency?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'IANA time zone of the series' })
  @IsOptional()
  @Validate(IsIanaTimezone)
  timezone?: string;

  @ApiPropertyOptional({ type: [String], example: ['retail', 'eu'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { region: 'eu' } })
  @IsOptional()
  @IsObject()
  @Validate(IsStringRecord)
  metadata?: Record<string, string>;
}
