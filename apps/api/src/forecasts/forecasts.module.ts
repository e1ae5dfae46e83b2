import { Module } from '@nestjs/common';
import { ForecastsController } from './forecasts.controller';
import { ForecastsService } from './forecasts.service';
import { PlotService } from './plot.service';

@Module({ controllers: [ForecastsController], providers: [ForecastsService, PlotService] })
export class ForecastsModule {}
