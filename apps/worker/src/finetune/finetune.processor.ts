import { Injectable } from '@nestjs/common';
import { FinetuneService } from '#forecasting';
import { JobContext, JobName, JobOutcome, JobPayloads } from '#jobs';

@Injectable()
export class FinetuneProcessor {
  constructor(private readonly finetunes: FinetuneService) {}

  readonly handlers = {
    [JobName.Finetune]: (p: JobPayloads['finetune'], ctx: JobContext): Promise<JobOutcome> => this.finetunes.run(p, ctx),
  };
}
