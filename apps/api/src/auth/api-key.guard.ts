import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '#common';
import { ApiKeysRepository } from '#db';
import { IS_PUBLIC } from './public.decorator';
import { AuthenticatedRequest } from './tenant-id.decorator';

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
    return true;
  }
}
