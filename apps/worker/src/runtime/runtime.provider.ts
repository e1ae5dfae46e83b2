import path from 'node:path';
import { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '#config';
import { ModelRuntime } from '#model-runtime';

/** The worker owns the model runtime: every manifest model loaded, checked and warmed at start. */
export const runtimeProvider: Provider = {
  provide: ModelRuntime,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    ModelRuntime.start({
      modelsDir: path.resolve(config.models.dir),
      providers: config.models.executionProviders,
      intraOpThreads: config.models.intraOpThreads,
      maxBatch: config.models.maxBatch,
      maxWaitMs: config.models.maxWaitMs,
      maxQueue: config.models.maxQueue,
      maxExtraGraphs: config.worker.maxLoadedGraphs,
    }),
};
