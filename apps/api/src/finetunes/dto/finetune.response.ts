import { ApiProperty } from '@nestjs/swagger';

export class FinetuneResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The fine-tuned model id, used as `model` in forecasts and backtests' }) name: string;
  @ApiProperty() baseModel: string;
  @ApiProperty({ enum: ['head', 'full'] }) method: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] }) status: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'horizon, steps, learningRate, loss, validation, seed, batchSize and the series selector',
  })
  params: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description:
      'phase, step, steps, trainLoss, validationWql, validationMase, bestStep, and history: every evaluated step so far ({step, trainLoss, validationWql, validationMase, bestStep})',
  })
  progress: Record<string, unknown> | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'Validation WQL and MASE of zero-shot and fine-tuned on the same held-out windows, and their ratios',
  })
  metrics: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) headSha256: string | null;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty({ nullable: true, type: String }) errorCode: string | null;
  @ApiProperty({ nullable: true, type: String }) errorMessage: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty() url: string;
}

export class FinetunePageResponse {
  @ApiProperty({ type: [FinetuneResponse] }) items: FinetuneResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
