import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '#common';
import { requestIdOf } from './request-id.middleware';

interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
};

/** Errors thrown by express middleware (body-parser) before Nest sees the request. */
function bodyParserError(err: { type?: string; status?: number; limit?: number }): [number, ErrorBody] | null {
  switch (err.type) {
    case 'entity.too.large':
      return [
        413,
        {
          code: 'PAYLOAD_TOO_LARGE',
          message: `The request body exceeds the limit of ${err.limit} bytes; split the upload into smaller requests (the SDK's uploadObservations does this)`,
          details: { limitBytes: err.limit },
        },
      ];
    case 'entity.parse.failed':
      return [400, { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' }];
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return [415, { code: 'UNSUPPORTED_ENCODING', message: 'Only UTF-8 bodies are accepted' }];
    case 'request.aborted':
      return [400, { code: 'REQUEST_ABORTED', message: 'The client aborted the request' }];
    default:
      return null;
  }
}

const log = new Logger('http');

/** The one place errors become HTTP: `{error: {code, message, details?, requestId}}`, never HTML or stacks. */
export function renderError(exception: unknown, req: Request, res: Response): void {
  const requestId = requestIdOf(req);
  const [status, body] = describeError(exception);
  if (status >= 500) log.error(`${requestId} ${req.method} ${req.path}: ${(exception as Error)?.stack ?? String(exception)}`);
  if (status === 429 && body.details && typeof body.details === 'object' && 'retryAfterSec' in body.details) {
    res.setHeader('Retry-After', String((body.details as { retryAfterSec: number }).retryAfterSec));
  }
  if (res.headersSent) return;
  res.status(status).json({ error: { ...body, requestId } });
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    renderError(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }
}

export function describeError(exception: unknown): [number, ErrorBody] {
  if (exception instanceof DomainError) {
    return [exception.status, { code: exception.code, message: exception.message, ...(exception.details !== undefined ? { details: exception.details } : {}) }];
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const r = exception.getResponse() as { code?: string; message?: unknown; details?: unknown } | string;
    if (typeof r === 'object' && r.code) return [status, { code: r.code, message: String(r.message), details: r.details }];
    const message = typeof r === 'string' ? r : Array.isArray(r.message) ? r.message.join('; ') : String(r.message ?? exception.message);
    return [status, { code: HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR'), message }];
  }
  const bp = bodyParserError(exception as { type?: string });
  if (bp) return bp;
  if (isDatabaseUnavailable(exception)) return [503, { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' }];
  return [500, { code: 'INTERNAL', message: 'An internal error occurred; quote the request id when reporting it' }];
}

function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === '57P01' ||
    code === '57P03' ||
    code === '08006' ||
    code === '08001' ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e?.message ?? '')
  );
}
