import { TsfmNetworkError, apiErrorFrom } from './errors.js';
import { RetryPolicy, abortReason, backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry.js';
import { randomUuid } from './uuid.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialised as application/json. */
  json?: unknown;
  /** A raw body (CSV, NDJSON) sent with contentType. */
  body?: string;
  contentType?: string;
  /** How to read a 2xx answer (default json). */
  responseType?: 'json' | 'text' | 'none';
  /** Overrides the automatic random Idempotency-Key of a POST. */
  idempotencyKey?: string;
  /** Per-attempt timeout for this call, instead of the client's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

export interface HttpConfig {
  baseUrl: string;
  apiKey?: string;
  fetch: FetchLike;
  timeoutMs: number;
  retry: RetryPolicy;
  headers: Record<string, string>;
}

/** One logical call: attempts with backoff; a POST keeps one Idempotency-Key across them so a retry never duplicates. */
export async function request<T>(cfg: HttpConfig, o: RequestOptions): Promise<HttpResponse<T>> {
  const url = buildUrl(cfg.baseUrl, o.path, o.query);
  const headers: Record<string, string> = { accept: o.responseType === 'text' ? '*/*' : 'application/json', ...cfg.headers };
  if (cfg.apiKey) headers.authorization = `Bearer ${cfg.apiKey}`;
  let body: string | undefined = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] = 'application/json';
  } else if (o.contentType) headers['content-type'] = o.contentType;
  if (o.method === 'POST') headers['idempotency-key'] = o.idempotencyKey ?? randomUuid();

  for (let attempt = 0; ; attempt++) {
    const last = attempt >= cfg.retry.retries;
    const timeoutMs = o.timeoutMs ?? cfg.timeoutMs;
    const t = withTimeout(timeoutMs, o.signal);
    let res: Response;
    let text: string;
    try {
      res = await cfg.fetch(url, { method: o.method, headers, body, signal: t.signal });
      text = await res.text();
    } catch (err) {
      if (o.signal?.aborted) throw abortReason(o.signal);
      const why = t.timedOut() ? `timed out after ${timeoutMs} ms` : describe(err);
      if (last) throw new TsfmNetworkError(`${o.method} ${o.path}: ${why}`, { cause: err });
      await sleep(backoffDelay(attempt, cfg.retry), o.signal);
      continue;
    } finally {
      t.done();
    }
    if (res.ok) return { status: res.status, headers: res.headers, data: parseBody(text, o.responseType ?? 'json') as T };
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const error = apiErrorFrom(res.status, res.headers, text, retryAfterMs);
    if (last || !isRetryableStatus(error.status, error.code) || (retryAfterMs ?? 0) > cfg.retry.maxRetryAfterMs) throw error;
    await sleep(retryAfterMs ?? backoffDelay(attempt, cfg.retry), o.signal);
  }
}

function parseBody(text: string, type: 'json' | 'text' | 'none'): unknown {
  if (type === 'none') return undefined;
  if (type === 'text') return text;
  return text ? JSON.parse(text) : undefined;
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const qs = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

export const seg = (s: string): string => encodeURIComponent(s);

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e?.message ?? String(err), e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}

/** A per-attempt timeout chained to the caller's signal (AbortSignal.any is missing on Node 18). */
function withTimeout(ms: number, outer?: AbortSignal) {
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort(outer ? abortReason(outer) : undefined);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const timer = ms > 0 && Number.isFinite(ms) ? setTimeout(() => ((timedOut = true), ctl.abort()), ms) : undefined;
  return {
    signal: ctl.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
