import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '#common';
import { TenantId } from '../auth/tenant-id.decorator';
import { CreateSeriesDto } from './dto/create-series.dto';
import { ListSeriesQuery } from './dto/list-series.query';
import { ReadObservationsQuery } from './dto/read-observations.query';
import { IngestResponse, ObservationsJsonBody, ObservationsResponse, SeriesPageResponse, SeriesResponse } from './dto/series.response';
import { UploadFormat } from './observations-parser';
import { SeriesService } from './series.service';

function uploadFormat(contentType: string | undefined): UploadFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/ndjson') return 'ndjson';
  throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json, text/csv or application/x-ndjson', 415);
}

@ApiTags('series')
@ApiBearerAuth()
@ApiExtraModels(ObservationsJsonBody)
@Controller('v1/series')
export class SeriesController {
  constructor(private readonly series: SeriesService) {}

  @Post()
  @ApiCreatedResponse({ type: SeriesResponse })
  create(@TenantId() tenantId: string, @Body() dto: CreateSeriesDto): Promise<SeriesResponse> {
    return this.series.create(tenantId, dto);
  }

  @Get()
  @ApiOkResponse({ type: SeriesPageResponse })
  list(@TenantId() tenantId: string, @Query() q: ListSeriesQuery): Promise<SeriesPageResponse> {
    return this.series.list(tenantId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: SeriesResponse })
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<SeriesResponse> {
    return this.series.get(tenantId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.series.delete(tenantId, id);
  }

  @Post(':id/observations')
  @HttpCode(200)
  @ApiConsumes('application/json', 'text/csv', 'application/x-ndjson')
  @ApiBody({
    description: 'Columnar JSON, CSV with a `timestamp` column plus one column per channel, or NDJSON rows `{"timestamp", "values": [...]}`',
    schema: { oneOf: [{ $ref: getSchemaPath(ObservationsJsonBody) }, { type: 'string' }] },
  })
  @ApiOkResponse({ type: IngestResponse })
  ingest(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<IngestResponse> {
    return this.series.ingest(tenantId, id, uploadFormat(contentType), body);
  }

  @Get(':id/observations')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: ObservationsResponse,
    headers: {
      'X-Next-Cursor': { required: false, description: 'CSV only: the cursor of the next page; absent on the last page', schema: { type: 'string' } },
    },
  })
  async read(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query() q: ReadObservationsQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ObservationsResponse | StreamableFile> {
    if (q.format !== 'csv') return this.series.read(tenantId, id, q);
    const { nextCursor, body } = await this.series.readCsv(tenantId, id, q);
    if (nextCursor) res.setHeader('X-Next-Cursor', nextCursor);
    return new StreamableFile(Readable.from(body), { type: 'text/csv; charset=utf-8' });
  }
}
