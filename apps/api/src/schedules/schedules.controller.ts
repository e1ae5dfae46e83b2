import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../auth/tenant-id.decorator';
import { CreateScheduleDto } from './dto/create-schedule.dto';
import { ListScheduleRunsQuery, ListSchedulesQuery } from './dto/list-schedules.query';
import { SchedulePageResponse, ScheduleResponse, ScheduleRunPageResponse } from './dto/schedule.response';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @ApiCreatedResponse({ type: ScheduleResponse })
  create(@TenantId() tenantId: string, @Body() dto: CreateScheduleDto): Promise<ScheduleResponse> {
    return this.schedules.create(tenantId, dto);
  }

  @Get()
  @ApiOkResponse({ type: SchedulePageResponse })
  list(@TenantId() tenantId: string, @Query() q: ListSchedulesQuery): Promise<SchedulePageResponse> {
    return this.schedules.list(tenantId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: ScheduleResponse })
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.get(tenantId, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ScheduleResponse })
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: UpdateScheduleDto): Promise<ScheduleResponse> {
    return this.schedules.update(tenantId, id, dto);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleResponse })
  pause(@TenantId() tenantId: string, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.setEnabled(tenantId, id, false);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleResponse })
  resume(@TenantId() tenantId: string, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.setEnabled(tenantId, id, true);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.schedules.delete(tenantId, id);
  }

  @Get(':id/runs')
  @ApiOkResponse({ type: ScheduleRunPageResponse })
  runs(@TenantId() tenantId: string, @Param('id') id: string, @Query() q: ListScheduleRunsQuery): Promise<ScheduleRunPageResponse> {
    return this.schedules.runs(tenantId, id, q);
  }
}
