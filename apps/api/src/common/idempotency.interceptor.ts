import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { BadRequestError, ConflictError } from '#common';
import { IdempotencyRepository } from '#db';
import { describeError } from './all-exceptions.filter';
import { STORED_RESPONSE } from './stored-response.decorator';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

function requestHash(req: Request): Buffer {
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
  return createHash('sha256')
    .update(`${req.method} ${req.originalUrl}\n${req.headers['content-type'] ?? ''}\n`)
    .update(body)
    .digest();
}

/**
 * `Idempotency-Key` on POST: the same key with the same request replays the first response (status
 * code and body) with no second effect; the same key with a different request is 409. 5xx outcomes
 * release the key.
 *
 * The recorded status is the one on the response once the handler has returned: Nest sets the
 * route's default (201, or its `@HttpCode`) before interceptors run, and a handler may override it
 * through `@Res({ passthrough: true })` (POST /v1/forecasts answers 200 or 202).
 *
 * A route whose response carries a secret (@StoredResponse) stores a redacted body: the first
 * response has the secret, a replay answers the redacted one. Rows expire after 24 hours and the
 * worker's maintenance purge deletes them (IdempotencyRepository.purgeExpired).
 */
/** Response headers a replay repeats: where the created or queued resource lives. */
const REPLAYED_HEADERS = ['location'];

function replayedHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.getHeader(h);
    if (v !== undefined) out[h] = String(v);
  }
  return out;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyRepository,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request & { tenantId?: string }>();
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || key === undefined || !req.tenantId) return next.handle();
    if (!KEY_RE.test(key)) throw new BadRequestError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 printable ASCII characters');
    const tenantId = req.tenantId;
    const res = ctx.switchToHttp().getResponse<Response>();
    const redact = this.reflector.get<((body: unknown) => unknown) | undefined>(STORED_RESPONSE, ctx.getHandler()) ?? ((body: unknown) => body);
    return from(this.store.claim(tenantId, key, requestHash(req))).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'mismatch') throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
        if (claim.kind === 'in-progress')
          throw new ConflictError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress; retry later');
        if (claim.kind === 'replay') {
          res.setHeader('Idempotent-Replayed', 'true');
          if (claim.statusCode >= 400) throw new HttpException((claim.body as { error: object }).error, claim.statusCode);
          for (const [h, v] of Object.entries(claim.headers)) res.setHeader(h, v);
          res.status(claim.statusCode);
          return of(claim.body);
        }
        return next.handle().pipe(
          mergeMap((body) => from(this.store.complete(tenantId, key, res.statusCode, redact(body), replayedHeaders(res)).then(() => body))),
          catchError((err: unknown) => {
            const [status, errorBody] = describeError(err);
            const settle = status >= 500 ? this.store.release(tenantId, key) : this.store.complete(tenantId, key, status, { error: errorBody });
            return from(settle).pipe(mergeMap(() => throwError(() => err)));
          }),
        );
      }),
    );
  }
}
