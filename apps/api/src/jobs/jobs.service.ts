import { Injectable } from '@nestjs/common';
import { JobEntity, JobsRepository } from '#db';
import { JobResponse } from './dto/job.response';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toJobResponse(j: JobEntity): JobResponse {
  return {
    id: j.id,
    type: j.type,
    state: j.state,
    attempt: j.attempt,
    maxAttempts: j.maxAttempts,
    progress: j.progress,
    result: j.result,
    errorCode: j.errorCode,
    errorMessage: j.errorMessage,
    cancelRequested: j.cancelRequested,
    createdAt: iso(j.createdAt)!,
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    updatedAt: iso(j.updatedAt)!,
  };
}

@Injectable()
export class JobsService {
  constructor(private readonly jobs: JobsRepository) {}

  async get(tenantId: string, id: string): Promise<JobResponse> {
    return toJobResponse(await this.jobs.get(tenantId, id));
  }

  async cancel(tenantId: string, id: string): Promise<JobResponse> {
    return toJobResponse(await this.jobs.requestCancel(tenantId, id));
  }
}
