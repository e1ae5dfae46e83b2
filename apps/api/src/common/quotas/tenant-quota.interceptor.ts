import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, finalize } from 'rxjs';
import type { AuthenticatedRequest } from '../../auth/tenant-id.decorator';
import { TenantQuotas } from './tenant-quotas.service';

const HELD_QUOTA = 'tsfm:held-quota';

/**
 * Holds one of the tenant's slots of `quota` for as long as the handler runs (a waiting forecast, an
 * open event stream): 429 TENANT_QUOTA_EXCEEDED when the tenant holds them all.
 */
export const HoldsTenantQuota = (quota: 'waitingRequests' | 'openStreams') =>
  applyDecorators(SetMetadata(HELD_QUOTA, quota), UseInterceptors(TenantQuotaInterceptor));

@Injectable()
export class TenantQuotaInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly quotas: TenantQuotas,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const quota = this.reflector.get<'waitingRequests' | 'openStreams' | undefined>(HELD_QUOTA, ctx.getHandler());
    const req = ctx.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (!quota || !req.tenantId) return next.handle();
    const release = this.quotas.hold(req.tenantId, quota);
    // A client that hangs up frees its slot at once, even while the handler is still finishing.
    ctx.switchToHttp().getResponse<Response>().once('close', release);
    return next.handle().pipe(finalize(release));
  }
}
