import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError } from '#common';
import { ApiKeyScope, ApiKeysRepository } from '#db';
import { IS_PUBLIC } from './public.decorator';
import { RateDecision, RateLimiter } from './rate-limiter.service';
import { REQUIRED_SCOPE } from './scopes.decorator';
import { AuthenticatedRequest } from './tenant-id.decorator';

class RateLimitedError extends DomainError {
  constructor(retryAfterSec: number, limit: number, who: string) {
    super('RATE_LIMITED', `More than ${limit} requests in a minute ${who}; retry in ${retryAfterSec} s`, 429, { retryAfterSec, limit });
  }
}

class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message, 401);
  }
}

class InsufficientScopeError extends DomainError {
  constructor(required: ApiKeyScope, scopes: ApiKeyScope[]) {
    super('INSUFFICIENT_SCOPE', `This API key lacks the "${required}" scope this request needs (it has: ${scopes.join(', ')})`, 403, { required, scopes });
  }
}

class RateLimitUnavailableError extends DomainError {
  constructor() {
    super('RATE_LIMIT_UNAVAILABLE', 'The rate limiter cannot count requests right now (TSFM_RATE_LIMIT_ON_ERROR=closed); retry shortly', 503, {
      retryAfterSec: 1,
    });
  }
}

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/**
 * `Authorization: Bearer <key>` on every route not marked @Public(), then the tenant's rate limit,
 * then the key's scope for the route (@RequireScope, else `read` for GET/HEAD and `write` for the
 * rest). Failed authentications are limited per client address, so unknown keys cannot probe
 * without limit. A @Public() route that is sent a key authenticates it (401 if bad) without the
 * tenant's limit: health probes keep answering, and handlers may show an admin more.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysRepository,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    const req = ctx.switchToHttp().getRequest<Partial<AuthenticatedRequest> & Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const header = req.headers['authorization'];
    if (isPublic && !header) return true;
    if (!header) throw new UnauthenticatedError('Missing Authorization header; send "Authorization: Bearer <api key>"');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    // A health probe that sends a key still answers while the database is down (as if sent without one).
    const auth = m ? await this.keys.authenticate(m[1]).catch((err: unknown) => (isPublic ? undefined : Promise.reject(err))) : null;
    if (auth === undefined) return true;
    if (!auth) {
      this.enforce(res, this.limiter.hitUnknown(req.ip ?? req.socket.remoteAddress ?? 'unknown'), 'from this address with invalid API keys');
      throw new UnauthenticatedError(m ? 'The API key is invalid or revoked' : 'The Authorization header must be "Bearer <api key>"');
    }
    req.tenantId = auth.tenantId;
    req.apiKeyId = auth.keyId;
    req.apiKeyScopes = auth.scopes;
    if (isPublic) return true;
    const rate = await this.limiter.hit(auth.tenantId);
    if (rate === 'unavailable') {
      res.setHeader('Retry-After', '1');
      throw new RateLimitUnavailableError();
    }
    this.enforce(res, rate, 'for this tenant');
    const required = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE, [ctx.getHandler(), ctx.getClass()]);
    const need = required ?? (READ_METHODS.includes(req.method) ? 'read' : 'write');
    if (!auth.scopes.includes(need)) throw new InsufficientScopeError(need, auth.scopes);
    return true;
  }

  private enforce(res: Response, rate: RateDecision | null, who: string): void {
    if (!rate) return;
    res.setHeader('X-RateLimit-Limit', String(rate.limit));
    res.setHeader('X-RateLimit-Remaining', String(rate.remaining));
    res.setHeader('X-RateLimit-Reset', String(rate.resetSec));
    if (!rate.allowed) throw new RateLimitedError(rate.resetSec, rate.limit, who);
  }
}
