import type { NextFunction, Request, Response } from 'express';
import { BadRequestError } from '#common';

const MAX_DEPTH = 32;

/** Iterative depth check: deeply nested JSON is refused before anything recurses over it. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function jsonDepthMiddleware(req: Request, _res: Response, next: NextFunction): void {
  if (req.body && typeof req.body === 'object' && jsonDepth(req.body) > MAX_DEPTH) {
    return next(new BadRequestError('JSON_TOO_DEEP', `JSON nested deeper than ${MAX_DEPTH} levels is not accepted`));
  }
  next();
}
