import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '#config';
import { DbModule } from '#db';
import { BacktestService } from '#forecasting';
import { FinetuneService, ForecastService, ModelResolver, SeriesStatsService } from '#forecasting';
import { JobsModule } from '#jobs';
import { HealthServer } from './health/health-server';
import { WorkerMetrics } from './health/worker-metrics';
import { FinetuneProcessor } from './finetune/finetune.processor';
import { ForecastProcessor } from './forecast/forecast.processor';
import { BacktestProcessor } from './backtest/backtest.processor';
import { IdempotencyPurger } from './maintenance/idempotency-purger';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { GraphSweeper } from './runtime/graph-sweeper';
import { RuntimeStatusReporter } from './runtime/runtime-status.reporter';
import { runtimeProvider } from './runtime/runtime.provider';
import { ReconcilerService } from './reconciler.service';
import { ScheduleRecovery } from './schedule/schedule-recovery.service';
import { ScheduleRunner } from './schedule/schedule-runner.service';
import { ScheduleProcessor } from './schedule/schedule.processor';
import { WorkerHost } from './worker-host.service';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DbModule.forRoot({ url: config.databaseUrl, poolSize: config.dbPoolSize }), JobsModule],
      providers: [
        runtimeProvider,
        RuntimeStatusReporter,
        GraphSweeper,
        BacktestService,
        BacktestProcessor,
        SeriesStatsService,
        ModelResolver,
        ForecastService,
        FinetuneService,
        MaintenanceProcessor,
        IdempotencyPurger,
        ForecastProcessor,
        FinetuneProcessor,
        WorkerMetrics,
        WorkerHost,
        HealthServer,
        ReconcilerService,
        ScheduleRunner,
        ScheduleProcessor,
        ScheduleRecovery,
      ],
    };
  }
}
