import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class CreateFinetuneDto {
  @ApiProperty({ example: 'tourism-monthly-v1', description: "The new model's id: 1-36 of [A-Za-z0-9_-], unique per tenant" })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,36}$/, { message: 'name must be 1-36 characters of A-Z, a-z, 0-9, _ and -' })
  name: string;

  @ApiPropertyOptional({ description: 'Catalog model to adapt (GET /v1/models); the configured default when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  baseModel?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Training series (or use tag)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  seriesIds?: string[];

  @ApiPropertyOptional({ description: 'Train on every series carrying this tag (read when the job runs)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tag?: string;

  @ApiProperty({ minimum: 1, description: 'Grid steps the model is tuned to forecast' })
  @IsInt()
  @Min(1)
  @Max(100000)
  horizon: number;

  @ApiPropertyOptional({
    enum: ['head', 'full'],
    default: 'head',
    description:
      'head: train the output head on the frozen base model (TypeScript, in the worker); full: fine-tune the last `blocks` blocks with the PyTorch toolchain and export a new graph',
  })
  @IsOptional()
  @IsIn(['head', 'full'])
  method?: 'head' | 'full';

  @ApiPropertyOptional({ minimum: 1, maximum: 64, default: 1, description: 'method "full" only: how many of the last blocks are trained (fine-tune depth)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  blocks?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 300, description: 'Optimiser steps (early stopping may end sooner)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  steps?: number;

  @ApiPropertyOptional({ minimum: 1e-6, maximum: 1, default: 0.001 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1e-6)
  @Max(1)
  learningRate?: number;

  @ApiPropertyOptional({
    enum: ['pinball', 'mae', 'mse'],
    default: 'pinball',
    description: 'pinball over the 9 levels; mae/mse train the median with that loss and the other levels with pinball',
  })
  @IsOptional()
  @IsIn(['pinball', 'mae', 'mse'])
  loss?: 'pinball' | 'mae' | 'mse';

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 20,
    default: 1,
    description: 'Windows of `horizon` steps held out at the end of each series for validation and early stopping',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  validation?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Same data, parameters and seed give bit-identical head weights' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  seed?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 256, default: 32, description: 'Windows per mini-batch' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  batchSize?: number;
}
