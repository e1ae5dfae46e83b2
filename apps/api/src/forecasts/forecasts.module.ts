import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '#config';
import { JobEvents } from '#db';
import { ForecastsController } from './forecasts.controller';
import { ForecastsService } from './forecasts.service';
import { PlotService } from './plot.service';

@Module({
  controllers: [ForecastsController],
  providers: [
    ForecastsService,
    PlotService,
    // The api's one LISTEN connection: sync forecasts learn of their job's end from it.
    { provide: JobEvents, useFactory: (config: AppConfig) => JobEvents.start(config.databaseUrl), inject: [APP_CONFIG] },
  ],
})
export class ForecastsModule {}
