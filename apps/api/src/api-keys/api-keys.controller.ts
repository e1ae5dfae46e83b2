import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TenantId } from '../auth/tenant-id.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyResponse, CreateApiKeyDto, IssuedApiKeyResponse } from './dto/api-key.dto';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: IssuedApiKeyResponse })
  issue(@TenantId() tenantId: string, @Body() dto: CreateApiKeyDto): Promise<IssuedApiKeyResponse> {
    return this.keys.issue(tenantId, dto.name ?? null);
  }

  @Get()
  @ApiOkResponse({ type: [ApiKeyResponse] })
  list(@TenantId() tenantId: string): Promise<ApiKeyResponse[]> {
    return this.keys.list(tenantId);
  }

  /** Revokes at once; later requests with that key answer 401. */
  @Delete(':id')
  @HttpCode(204)
  revoke(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.keys.revoke(tenantId, id);
  }
}
