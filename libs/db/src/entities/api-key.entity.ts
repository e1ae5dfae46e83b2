import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a key may do: `read` (GET), `write` (every other method outside key management), `admin`
 * (mint, list and revoke keys; /metrics and the detailed readiness report). Scopes do not imply one
 * another; keys made by the CLI carry all three.
 */
export const API_KEY_SCOPES = ['admin', 'write', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
/** Scopes of a key created through the API without any: never `admin`. */
export const DEFAULT_API_KEY_SCOPES: ApiKeyScope[] = ['read', 'write'];

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') prefix: string;
  @Column('bytea') salt: Buffer;
  @Column('bytea') hash: Buffer;
  @Column('text', { nullable: true }) name: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('text', { array: true }) scopes: ApiKeyScope[];
}
