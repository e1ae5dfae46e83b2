import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '#config';
import { WorkerModule } from './worker.module';

export async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: config.logLevel === 'debug' ? ['log', 'error', 'warn', 'debug'] : ['log', 'error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
