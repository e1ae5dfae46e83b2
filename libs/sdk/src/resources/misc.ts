import type { ApiKeyResponse, CreateApiKeyDto, IssuedApiKeyResponse, ModelResponse } from '../generated/openapi-types.js';
import { HttpConfig, request, seg } from '../http.js';
import type { CallOptions } from './series.js';

/** What a key may do: `read` (GET), `write` (other methods outside key management), `admin` (keys, /metrics, detailed readiness). */
export type ApiKeyScope = 'admin' | 'write' | 'read';
/** A new key's label and scopes (default `['read', 'write']`, never admin unless asked). */
export type CreateApiKeyBody = CreateApiKeyDto & { scopes?: ApiKeyScope[] };
/**
 * A key as issued: `key` is the secret, present once. An idempotent replay of the same request
 * (`Idempotency-Key` header) answers `key: null` and `secretShownOnce: true`: the secret is never stored.
 */
export type IssuedApiKey = Omit<IssuedApiKeyResponse, 'key'> & { key: string | null; scopes: ApiKeyScope[]; secretShownOnce: boolean };

/** Key management: every call needs an admin key (403 INSUFFICIENT_SCOPE otherwise). */
export class ApiKeysResource {
  constructor(private readonly http: HttpConfig) {}

  /** Issues a key for the caller's tenant; `key` (the secret) is only in this answer. */
  async create(body: CreateApiKeyBody = {}, o: CallOptions = {}): Promise<IssuedApiKey> {
    return (await request<IssuedApiKey>(this.http, { method: 'POST', path: '/v1/api-keys', json: body, signal: o.signal })).data;
  }

  async list(o: CallOptions = {}): Promise<ApiKeyResponse[]> {
    return (await request<ApiKeyResponse[]>(this.http, { method: 'GET', path: '/v1/api-keys', signal: o.signal })).data;
  }

  async revoke(id: string, o: CallOptions = {}): Promise<void> {
    await request(this.http, { method: 'DELETE', path: `/v1/api-keys/${seg(id)}`, responseType: 'none', signal: o.signal });
  }
}

export class ModelsResource {
  constructor(private readonly http: HttpConfig) {}

  async list(o: CallOptions = {}): Promise<ModelResponse[]> {
    return (await request<ModelResponse[]>(this.http, { method: 'GET', path: '/v1/models', signal: o.signal })).data;
  }

  /** Deletes one of the tenant's fine-tuned models by name (catalog models answer 409 MODEL_READ_ONLY). */
  async delete(id: string, o: CallOptions = {}): Promise<void> {
    await request<unknown>(this.http, { method: 'DELETE', path: `/v1/models/${seg(id)}`, responseType: 'text', signal: o.signal });
  }
}

/** /health/ready's body (its OpenAPI entry has an example only, so it is typed here). `checks` and `models` come to admin keys only. */
export interface ReadyResponse {
  status: string;
  checks?: Record<string, { ok: boolean; error?: string }>;
  models?: { worker: string; id: string; provider: unknown }[];
}

export class HealthResource {
  constructor(private readonly http: HttpConfig) {}

  async live(o: CallOptions = {}): Promise<{ status: string }> {
    return (await request<{ status: string }>(this.http, { method: 'GET', path: '/health/live', signal: o.signal })).data;
  }

  /** Throws TsfmApiError (503 NOT_READY, after retries) while a dependency is down. */
  async ready(o: CallOptions = {}): Promise<ReadyResponse> {
    return (await request<ReadyResponse>(this.http, { method: 'GET', path: '/health/ready', signal: o.signal })).data;
  }
}
