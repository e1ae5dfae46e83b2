import { DynamicModule, Global, Module } from '@nestjs/common';
import path from 'node:path';
import { AppConfig } from '#config';
import { ModelCatalog } from '#model-runtime';
import { ModelDirectory } from './model-directory.service';

/** The api reads the manifest for limits and validation; it never loads a model. */
@Global()
@Module({})
export class CatalogModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CatalogModule,
      providers: [{ provide: ModelCatalog, useFactory: () => ModelCatalog.load(path.resolve(config.models.dir), config.models.defaultModel) }, ModelDirectory],
      exports: [ModelCatalog, ModelDirectory],
    };
  }
}
