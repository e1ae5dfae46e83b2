import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { BacktestsRepository } from './repositories/backtests.repository';
import { FinetunesRepository } from './repositories/finetunes.repository';
import { ForecastsRepository } from './repositories/forecasts.repository';
import { RateLimitsRepository } from './repositories/rate-limits.repository';
import { ScheduleRunsRepository } from './repositories/schedule-runs.repository';
import { SchedulesRepository } from './repositories/schedules.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { JobsRepository } from './repositories/jobs.repository';
import { ObservationsRepository } from './repositories/observations.repository';
import { SeriesRepository } from './repositories/series.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { TransactionRunner } from './transaction-runner';

const REPOSITORIES = [
  TransactionRunner,
  TenantsRepository,
  ApiKeysRepository,
  SeriesRepository,
  ObservationsRepository,
  JobsRepository,
  IdempotencyRepository,
  ForecastsRepository,
  BacktestsRepository,
  FinetunesRepository,
  RateLimitsRepository,
  SchedulesRepository,
  ScheduleRunsRepository,
];

@Global()
@Module({})
export class DbModule {
  static forRoot(opts: { url: string; poolSize: number }): DynamicModule {
    return {
      module: DbModule,
      providers: [
        {
          provide: DataSource,
          useFactory: async () => createDataSource(opts.url, opts.poolSize).initialize(),
        },
        ...REPOSITORIES,
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }
}
