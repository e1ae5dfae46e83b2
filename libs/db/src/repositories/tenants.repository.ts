import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConflictError } from '#common';
import { TenantEntity } from '../entities/tenant.entity';

@Injectable()
export class TenantsRepository {
  constructor(private readonly ds: DataSource) {}

  async create(name: string): Promise<TenantEntity> {
    const existing = await this.ds.getRepository(TenantEntity).findOneBy({ name });
    if (existing) throw new ConflictError('TENANT_EXISTS', `A tenant named ${JSON.stringify(name)} already exists`);
    return this.ds.getRepository(TenantEntity).save({ name });
  }

  findById(tenantId: string): Promise<TenantEntity | null> {
    return this.ds.getRepository(TenantEntity).findOneBy({ id: tenantId });
  }
}
