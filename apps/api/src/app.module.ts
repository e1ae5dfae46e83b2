import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfig, ConfigModule } from '#config';
import { DbModule } from '#db';
import { JobsModule } from '#jobs';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { RateLimiter } from './auth/rate-limiter.service';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { QuotasModule } from './common/quotas/quotas.module';
import { FinetunesModule } from './finetunes/finetunes.module';
import { ForecastsModule } from './forecasts/forecasts.module';
import { BacktestsModule } from './backtests/backtests.module';
import { HealthModule } from './health/health.module';
import { CatalogModule } from './models/catalog.module';
import { ModelsModule } from './models/models.controller';
import { JobsApiModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { SeriesModule } from './series/series.module';
import { SchedulesModule } from './schedules/schedules.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule.forRoot({ url: config.databaseUrl, poolSize: config.dbPoolSize }),
        JobsModule,
        QuotasModule,
        CatalogModule.forRoot(config),
        HealthModule,
        MetricsModule,
        SeriesModule,
        JobsApiModule,
        ApiKeysModule,
        ForecastsModule,
        BacktestsModule,
        FinetunesModule,
        ModelsModule,
        SchedulesModule,
      ],
      providers: [
        RateLimiter,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
