import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const CLIENT_ID_RE = /^[A-Za-z0-9._-]{8,128}$/;

/** Every response carries X-Request-Id; a well-formed client-supplied id is kept for tracing. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const id = given && CLIENT_ID_RE.test(given) ? given : randomUUID();
  (req as Request & { requestId: string }).requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(req: unknown): string {
  return (req as { requestId?: string }).requestId ?? 'unknown';
}
