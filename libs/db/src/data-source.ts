import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { ApiKeyEntity } from './entities/api-key.entity';
import { JobEntity } from './entities/job.entity';
import { SeriesEntity } from './entities/series.entity';
import { TenantEntity } from './entities/tenant.entity';

export const ENTITIES = [TenantEntity, ApiKeyEntity, SeriesEntity, JobEntity];

/** The single DataSource definition; schema changes go through migrations only, never synchronize. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000, application_name: 'tsfm' },
  });
}
