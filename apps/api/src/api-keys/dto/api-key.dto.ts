import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '#db';

export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'ci-pipeline', description: 'A label to recognise the key by' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    enum: API_KEY_SCOPES,
    isArray: true,
    example: ['read'],
    description:
      'What the key may do: read (GET), write (every other method outside key management), admin (mint, list and revoke keys; /metrics; ' +
      'the detailed readiness report). Scopes do not imply one another. Default ["read", "write"]: a key made through the API is never admin unless asked',
  })
  // Absent means the default; null is not absent (IsOptional would let it through to the insert).
  @ValidateIf((o: CreateApiKeyDto) => o.scopes !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: ApiKeyScope[];
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The identifying prefix inside the key (tsfm_<prefix>_...)' }) prefix: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes: ApiKeyScope[];
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
}

export class IssuedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The secret key, in the first response only. A replay of the request (same Idempotency-Key) answers null: the secret is never stored',
  })
  key: string | null;

  @ApiProperty({ description: 'true on an idempotent replay: the key was shown once, in the first response, and cannot be shown again' })
  secretShownOnce: boolean;
}
