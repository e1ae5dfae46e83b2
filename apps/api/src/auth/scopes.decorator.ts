import { SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from '#db';

export const REQUIRED_SCOPE = 'tsfm:requiredScope';
/**
 * The scope a route needs when its method does not say it: without this, GET and HEAD need `read`
 * and every other method `write` (ApiKeyGuard).
 */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);
