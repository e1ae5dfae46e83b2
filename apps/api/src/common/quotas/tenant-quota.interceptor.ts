import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, finalize } from 'rxjs';
import type { AuthenticatedRequest } from '../../auth/tenant-id.decorator';
import { TenantQuotas } from './tenant-quotas.service';

const HELD_QUOTA = 'tsfm:held-quota';

type Held = { quota: 'waitingRequests' | 'openStreams'; when?: (req: Request) => boolean };

/**
 * Holds one of the tenant's slots of `quota` for as long as the handler runs (a waiting forecast, an
 * open event stream), for requests `when` accepts: 429 TENANT_QUOTA_EXCEEDED when the tenant holds them all.
 */
export const HoldsTenantQuota = (quota: Held['quota'], when?: Held['when']) =>
  applyDecorators(SetMetadata(HELD_QUOTA, { quota, when } satisfies Held), UseInterceptors(TenantQuotaInterceptor));

/** A forecast request that waits for its result (wait absent means the default, 10 s); wait=0 answers 202 at once. */
export const waitsForResult = (req: Request): boolean => (req.body as { wait?: unknown } | undefined)?.wait !== 0;

@Injectable()
export class TenantQuotaInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly quotas: TenantQuotas,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const held = this.reflector.get<Held | undefined>(HELD_QUOTA, ctx.getHandler());
    const req = ctx.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (!held || !req.tenantId || (held.when && !held.when(req))) return next.handle();
    const release = this.quotas.hold(req.tenantId, held.quota);
    // A client that hangs up frees its slot at once, even while the handler is still finishing.
    ctx.switchToHttp().getResponse<Response>().once('close', release);
    return next.handle().pipe(finalize(release));
  }
}
