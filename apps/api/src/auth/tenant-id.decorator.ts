import { createParamDecorator, ExecutionContext } from '@nestjs/common';

export interface AuthenticatedRequest {
  tenantId: string;
  apiKeyId: string;
}

/** The authenticated tenant, set by ApiKeyGuard. */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().tenantId;
});
