import { DomainError } from '#common';

export type TenantQuota = 'queuedForecasts' | 'activeJobs' | 'waitingRequests' | 'openStreams';

/** 429 with Retry-After: the tenant used up its own share; other tenants are not affected. */
export class TenantQuotaExceededError extends DomainError {
  constructor(quota: TenantQuota, limit: number, message: string, retryAfterSec: number) {
    super('TENANT_QUOTA_EXCEEDED', `${message}; retry in ${retryAfterSec} s`, 429, { quota, limit, retryAfterSec });
  }
}
