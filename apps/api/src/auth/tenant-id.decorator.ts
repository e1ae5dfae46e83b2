import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ApiKeyScope } from '#db';

export interface AuthenticatedRequest {
  tenantId: string;
  apiKeyId: string;
  apiKeyScopes: ApiKeyScope[];
}

/** The authenticated tenant, set by ApiKeyGuard. */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().tenantId;
});
