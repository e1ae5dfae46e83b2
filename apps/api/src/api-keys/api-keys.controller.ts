import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.decorator';
import { TenantId } from '../auth/tenant-id.decorator';
import { StoredResponse } from '../common/stored-response.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyResponse, CreateApiKeyDto, IssuedApiKeyResponse } from './dto/api-key.dto';

/** What an idempotent replay of key creation answers: the metadata, never the secret. */
const withoutSecret = (body: unknown): unknown => ({ ...(body as IssuedApiKeyResponse), key: null, secretShownOnce: true });

/** Key management needs the `admin` scope on every route (403 INSUFFICIENT_SCOPE otherwise). */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'INSUFFICIENT_SCOPE: the key is not an admin key' })
@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @StoredResponse(withoutSecret)
  @ApiCreatedResponse({ type: IssuedApiKeyResponse })
  issue(@TenantId() tenantId: string, @Body() dto: CreateApiKeyDto): Promise<IssuedApiKeyResponse> {
    return this.keys.issue(tenantId, dto.name ?? null, dto.scopes);
  }

  @Get()
  @ApiOkResponse({ type: [ApiKeyResponse] })
  list(@TenantId() tenantId: string): Promise<ApiKeyResponse[]> {
    return this.keys.list(tenantId);
  }

  /** Revokes at once; later requests with that key answer 401, and its open event streams end within 5 s. */
  @Delete(':id')
  @HttpCode(204)
  revoke(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.keys.revoke(tenantId, id);
  }
}
