import { SetMetadata } from '@nestjs/common';

export const STORED_RESPONSE = 'tsfm:storedResponse';
/**
 * How a route's response body is stored for idempotent replays, for bodies that carry a secret: the
 * stored (and replayed) body is `redact(body)`, so the secret never reaches the database.
 */
export const StoredResponse = (redact: (body: unknown) => unknown) => SetMetadata(STORED_RESPONSE, redact);
