import { Injectable } from '@nestjs/common';
import { ApiKeyEntity, ApiKeyScope, ApiKeysRepository, DEFAULT_API_KEY_SCOPES } from '#db';
import { ApiKeyResponse, IssuedApiKeyResponse } from './dto/api-key.dto';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toResponse(k: ApiKeyEntity): ApiKeyResponse {
  return {
    id: k.id,
    prefix: k.prefix,
    name: k.name,
    scopes: k.scopes,
    createdAt: iso(k.createdAt)!,
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}

/** Rotation = issue a new key, move clients over, revoke the old one. */
@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  async issue(tenantId: string, name: string | null, scopes: ApiKeyScope[] = DEFAULT_API_KEY_SCOPES): Promise<IssuedApiKeyResponse> {
    const issued = await this.keys.issue(tenantId, name, scopes);
    const row = (await this.keys.list(tenantId)).find((k) => k.id === issued.id)!;
    return { ...toResponse(row), key: issued.key, secretShownOnce: false };
  }

  async list(tenantId: string): Promise<ApiKeyResponse[]> {
    return (await this.keys.list(tenantId)).map(toResponse);
  }

  revoke(tenantId: string, id: string): Promise<void> {
    return this.keys.revoke(tenantId, id);
  }
}
