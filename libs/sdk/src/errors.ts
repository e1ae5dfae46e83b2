/** Base class of every error the SDK throws itself. */
export class TsfmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A non-2xx answer: the API's `{error: {code, message, details?, requestId}}` envelope, typed. */
export class TsfmApiError extends TsfmError {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly requestId: string | undefined;
  /** Parsed `Retry-After` in milliseconds, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { status: number; code: string; message: string; details?: unknown; requestId?: string; retryAfterMs?: number }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The request never got an HTTP answer (connection refused or reset, DNS, per-attempt timeout). */
export class TsfmNetworkError extends TsfmError {}

/** waitForJob (or forecast with waitForResult) gave up before the job finished. */
export class TsfmTimeoutError extends TsfmError {}

/** Builds a TsfmApiError from a response whose body may or may not be the API's envelope. */
export function apiErrorFrom(status: number, headers: Headers, text: string, retryAfterMs?: number): TsfmApiError {
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } } | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const e = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : undefined;
  return new TsfmApiError({
    status,
    code: typeof e?.code === 'string' ? e.code : `HTTP_${status}`,
    message: typeof e?.message === 'string' ? e.message : text.slice(0, 500) || `HTTP ${status}`,
    details: e?.details,
    requestId: typeof e?.requestId === 'string' ? e.requestId : (headers.get('x-request-id') ?? undefined),
    retryAfterMs,
  });
}
