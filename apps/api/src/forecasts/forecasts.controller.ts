import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TenantId } from '../auth/tenant-id.decorator';
import { HoldsTenantQuota, waitsForResult } from '../common/quotas/tenant-quota.interceptor';
import { CreateForecastDto } from './dto/create-forecast.dto';
import { ForecastPageResponse, ForecastResponse } from './dto/forecast.response';
import { ListForecastsQuery } from './dto/list-forecasts.query';
import { forecastToCsv } from './forecast.mapper';
import { ForecastsService } from './forecasts.service';
import { PlotService } from './plot.service';
import { FormatPipe } from '../common/format.pipe';

@ApiTags('forecasts')
@ApiBearerAuth()
@Controller('v1')
export class ForecastsController {
  constructor(
    private readonly forecasts: ForecastsService,
    private readonly plots: PlotService,
  ) {}

  /** 200 with the result when the job finishes within `wait` seconds, else 202 with its URL. */
  @Post('forecasts')
  @HoldsTenantQuota('waitingRequests', waitsForResult)
  @ApiOkResponse({ type: ForecastResponse, description: 'Finished within wait' })
  @ApiAcceptedResponse({ type: ForecastResponse, description: 'Still running: poll the url' })
  async create(@TenantId() tenantId: string, @Body() dto: CreateForecastDto, @Res({ passthrough: true }) res: Response): Promise<ForecastResponse> {
    const { done, body } = await this.forecasts.create(tenantId, dto);
    res.status(done ? 200 : 202);
    if (!done) res.setHeader('Location', body.url);
    return body;
  }

  @Get('forecasts')
  @ApiOkResponse({ type: ForecastPageResponse })
  list(@TenantId() tenantId: string, @Query() q: ListForecastsQuery): Promise<ForecastPageResponse> {
    return this.forecasts.list(tenantId, q);
  }

  @Get('forecasts/:id')
  @ApiProduces('application/json', 'text/csv')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiOkResponse({ type: ForecastResponse })
  async get(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query('format', FormatPipe) format: 'json' | 'csv' | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ForecastResponse | string> {
    const f = await this.forecasts.get(tenantId, id);
    if (format !== 'csv') return f;
    res.type('text/csv');
    return forecastToCsv(f);
  }

  /** One series of the forecast (the first by default), one panel per channel; 404 CHANNEL_NOT_FOUND for a channel it lacks. */
  @Get('forecasts/:id/plot.svg')
  @ApiProduces('image/svg+xml')
  @ApiQuery({ name: 'channel', required: false, description: 'Comma-separated channels to draw, in this order (default: all)', example: 'load,temp' })
  @ApiQuery({ name: 'seriesId', required: false, description: 'Which series of a multi-series forecast (default: the first that succeeded)' })
  async plot(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query('channel') channel: string | string[] | undefined,
    @Query('seriesId') seriesId: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    // ?channel=a,b and ?channel=a&channel=b both work; channel names cannot hold commas.
    const channels =
      channel === undefined
        ? undefined
        : [channel]
            .flat()
            .flatMap((c) => c.split(','))
            .map((c) => c.trim())
            .filter(Boolean);
    const svg = await this.plots.render(tenantId, id, { channels, seriesId: typeof seriesId === 'string' ? seriesId : undefined });
    res.type('image/svg+xml');
    return svg;
  }

  @Get('series/:id/forecasts/latest')
  @ApiOkResponse({ type: ForecastResponse, description: 'The newest finished forecast that covers this series' })
  latest(@TenantId() tenantId: string, @Param('id') id: string): Promise<ForecastResponse> {
    return this.forecasts.latestForSeries(tenantId, id);
  }
}
