import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../auth/tenant-id.decorator';
import { JobResponse } from './dto/job.response';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @ApiOkResponse({ type: JobResponse })
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<JobResponse> {
    return this.jobs.get(tenantId, id);
  }

  /** A queued job is cancelled at once; a running one stops at its next checkpoint. */
  @Post(':id/cancel')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobResponse })
  cancel(@TenantId() tenantId: string, @Param('id') id: string): Promise<JobResponse> {
    return this.jobs.cancel(tenantId, id);
  }
}
