import { Global, Module } from '@nestjs/common';
import { TenantQuotaInterceptor } from './tenant-quota.interceptor';
import { TenantQuotas } from './tenant-quotas.service';

@Global()
@Module({ providers: [TenantQuotas, TenantQuotaInterceptor], exports: [TenantQuotas, TenantQuotaInterceptor] })
export class QuotasModule {}
