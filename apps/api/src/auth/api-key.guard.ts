import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '#common';
import { ApiKeysRepository } from '#db';
import { IS_PUBLIC } from './public.decorator';
import { RateLimiter } from './rate-limiter.service';
import { AuthenticatedRequest } from './tenant-id.decorator';

class RateLimitedError extends DomainError {
  constructor(retryAfterSec: number, limit: number) {
    super('RATE_LIMITED', `More than ${limit} requests in a minute for this tenant; retry in ${retryAfterSec} s`, 429, { retryAfterSec, limit });
  }
}

class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message, 401);
  }
}

/** `Authorization: Bearer <key>` on every route not marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysRepository,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest & { headers: Record<string, string | undefined> }>();
    const header = req.headers['authorization'];
    if (!header) throw new UnauthenticatedError('Missing Authorization header; send "Authorization: Bearer <api key>"');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new UnauthenticatedError('The Authorization header must be "Bearer <api key>"');
    const auth = await this.keys.authenticate(m[1]);
    if (!auth) throw new UnauthenticatedError('The API key is invalid or revoked');
    req.tenantId = auth.tenantId;
    req.apiKeyId = auth.keyId;
    const rate = await this.limiter.hit(auth.tenantId);
    if (rate) {
      const res = ctx.switchToHttp().getResponse<{ setHeader(k: string, v: string): void }>();
      res.setHeader('X-RateLimit-Limit', String(rate.limit));
      res.setHeader('X-RateLimit-Remaining', String(rate.remaining));
      res.setHeader('X-RateLimit-Reset', String(rate.resetSec));
      if (!rate.allowed) throw new RateLimitedError(rate.resetSec, rate.limit);
    }
    return true;
  }
}
