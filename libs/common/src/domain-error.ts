/**
 * Typed domain errors. Library code throws these; the API's single exception filter maps
 * `status` to the HTTP response, so no library imports HTTP concerns beyond the number.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = code;
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super(`${resource.toUpperCase().replace(/\s+/g, '_')}_NOT_FOUND`, `${resource} ${JSON.stringify(id)} was not found`, 404);
  }
}

export class InvalidInputError extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 422, details);
  }
}

export class BadRequestError extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 400, details);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 409, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('PAYLOAD_TOO_LARGE', message, 413, details);
  }
}

export class OverloadedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSec = 1,
  ) {
    super('OVERLOADED', message, 429, { retryAfterSec });
  }
}

export class UnavailableError extends DomainError {
  constructor(code: string, message: string) {
    super(code, message, 503);
  }
}
