import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TenantId } from '../auth/tenant-id.decorator';
import { metricsToCsv } from './backtest.mapper';
import { BacktestsService } from './backtests.service';
import { BacktestForecastsQuery } from './dto/backtest-forecasts.query';
import { BacktestForecastsResponse, BacktestPageResponse, BacktestResponse, BacktestScoreDto, BacktestSeriesModelDto } from './dto/backtest.response';
import { CreateBacktestDto } from './dto/create-backtest.dto';
import { ListBacktestsQuery } from './dto/list-backtests.query';
import { FormatPipe } from '../common/format.pipe';

@ApiTags('backtests')
@ApiBearerAuth()
@ApiExtraModels(BacktestScoreDto, BacktestSeriesModelDto)
@Controller('v1/backtests')
export class BacktestsController {
  constructor(private readonly backtests: BacktestsService) {}

  /** Always asynchronous: 202 with the backtest and its job; poll the job or the backtest. */
  @Post()
  @ApiAcceptedResponse({ type: BacktestResponse })
  async create(@TenantId() tenantId: string, @Body() dto: CreateBacktestDto, @Res({ passthrough: true }) res: Response): Promise<BacktestResponse> {
    const body = await this.backtests.create(tenantId, dto);
    res.status(202).setHeader('Location', body.url);
    return body;
  }

  @Get()
  @ApiOkResponse({ type: BacktestPageResponse })
  list(@TenantId() tenantId: string, @Query() q: ListBacktestsQuery): Promise<BacktestPageResponse> {
    return this.backtests.list(tenantId, q);
  }

  @Get(':id')
  @ApiProduces('application/json', 'text/csv')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'csv: the metrics as in metrics.csv' })
  @ApiOkResponse({ type: BacktestResponse })
  async get(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query('format', FormatPipe) format: 'json' | 'csv' | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BacktestResponse | string> {
    const b = await this.backtests.get(tenantId, id);
    if (format !== 'csv') return b;
    res.type('text/csv');
    return metricsToCsv(b);
  }

  @Get(':id/metrics.csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'model,scope,series_id,channel,window,metric,value,relative_to_seasonal_naive,count,excluded' })
  async metricsCsv(@TenantId() tenantId: string, @Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    const b = await this.backtests.get(tenantId, id);
    res.type('text/csv');
    res.setHeader('Content-Disposition', `attachment; filename="backtest-${b.id}-metrics.csv"`);
    return metricsToCsv(b);
  }

  @Get(':id/forecasts')
  @ApiOkResponse({ type: BacktestForecastsResponse, description: 'Per-window forecasts with their actuals' })
  forecasts(@TenantId() tenantId: string, @Param('id') id: string, @Query() q: BacktestForecastsQuery): Promise<BacktestForecastsResponse> {
    return this.backtests.forecasts(tenantId, id, q);
  }
}
