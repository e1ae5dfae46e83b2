import type { CreateFinetuneDto, FinetunePageResponse, FinetuneResponse, FinetunesControllerListQuery } from '../generated/openapi-types.js';
import { TsfmError, TsfmNetworkError, apiErrorFrom } from '../errors.js';
import { HttpConfig, buildUrl, request, seg } from '../http.js';
import { paginate } from '../paginate.js';
import type { CallOptions } from './series.js';

const FINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface WatchOptions extends CallOptions {
  /** Reconnects after a dropped stream before giving up (default 5). */
  reconnects?: number;
}

export interface FinetuneOptions extends WatchOptions {
  /** Called with every progress update (status, step, training loss, validation WQL). */
  onProgress?: (f: FinetuneResponse) => void;
}

/** Parses a text/event-stream body into (event, data) pairs as they arrive. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) yield { event, data: data.join('\n') };
    }
  }
}

/** POST/GET/DELETE /v1/finetunes and the progress stream. */
export class FinetunesResource {
  constructor(private readonly http: HttpConfig) {}

  /** Queues a fine-tune (HTTP 202); the model appears in GET /v1/models once it SUCCEEDED. */
  async create(body: CreateFinetuneDto, o: CallOptions = {}): Promise<FinetuneResponse> {
    return (await request<FinetuneResponse>(this.http, { method: 'POST', path: '/v1/finetunes', json: body, signal: o.signal })).data;
  }

  async get(id: string, o: CallOptions = {}): Promise<FinetuneResponse> {
    return (await request<FinetuneResponse>(this.http, { method: 'GET', path: `/v1/finetunes/${seg(id)}`, signal: o.signal })).data;
  }

  async list(q: FinetunesControllerListQuery = {}, o: CallOptions = {}): Promise<FinetunePageResponse> {
    return (await request<FinetunePageResponse>(this.http, { method: 'GET', path: '/v1/finetunes', query: { ...q }, signal: o.signal })).data;
  }

  iterate(q: FinetunesControllerListQuery = {}, o: CallOptions = {}): AsyncGenerator<FinetuneResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.list({ ...filter, cursor: c }, o), cursor);
  }

  /** Deletes the fine-tuned model (409 MODEL_IN_USE while a schedule uses it). */
  async delete(id: string, o: CallOptions = {}): Promise<void> {
    await request<unknown>(this.http, { method: 'DELETE', path: `/v1/finetunes/${seg(id)}`, responseType: 'text', signal: o.signal });
  }

  /**
   * Follows GET /v1/finetunes/{id}/events (server-sent events): yields the fine-tune on every
   * progress change and returns after the final state. Reconnects when the stream drops.
   */
  async *watch(id: string, o: WatchOptions = {}): AsyncGenerator<FinetuneResponse, FinetuneResponse, undefined> {
    let drops = 0;
    for (;;) {
      let res: Response;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...this.http.headers };
        if (this.http.apiKey) headers.authorization = `Bearer ${this.http.apiKey}`;
        res = await this.http.fetch(buildUrl(this.http.baseUrl, `/v1/finetunes/${seg(id)}/events`), { method: 'GET', headers, signal: o.signal });
      } catch (err) {
        if (o.signal?.aborted) throw o.signal.reason ?? err;
        if (++drops > (o.reconnects ?? 5)) throw new TsfmNetworkError(`GET /v1/finetunes/${id}/events: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 500 * drops));
        continue;
      }
      if (!res.ok) throw apiErrorFrom(res.status, res.headers, await res.text());
      if (!res.body) throw new TsfmError('the events response has no body (a fetch without streaming support)');
      let last: FinetuneResponse | undefined;
      try {
        for await (const e of sseEvents(res.body)) {
          if (e.event === 'error') throw new TsfmError(`fine-tune ${id}: ${e.data}`);
          last = JSON.parse(e.data) as FinetuneResponse;
          yield last;
          if (e.event === 'done' || FINAL.includes(last.status)) return last;
        }
      } catch (err) {
        if (err instanceof TsfmError || o.signal?.aborted) throw err;
      }
      if (++drops > (o.reconnects ?? 5)) throw new TsfmNetworkError(`the events stream of fine-tune ${id} kept dropping`);
    }
  }

  /** Creates a fine-tune and follows it to the end; a FAILED one is returned, not thrown. */
  async finetune(body: CreateFinetuneDto, o: FinetuneOptions = {}): Promise<FinetuneResponse> {
    const created = await this.create(body, o);
    o.onProgress?.(created);
    const it = this.watch(created.id, o);
    for (;;) {
      const n = await it.next();
      if (n.done) return n.value;
      o.onProgress?.(n.value);
    }
  }
}

/** A one-line text progress bar for a fine-tune, e.g. for a terminal: `[#####.....] 150/300 loss 0.41 val WQL 0.094`. */
export function formatFinetuneProgress(f: FinetuneResponse, width = 30): string {
  const p = (f.progress ?? {}) as Record<string, unknown>;
  const step = Number(p.step ?? 0);
  const steps = Number(p.steps ?? (f.params as Record<string, unknown>).steps ?? 0) || 1;
  // A fine-tune that succeeded is complete even when early stopping ended it before `steps`.
  const done = f.status === 'SUCCEEDED' ? width : Math.max(0, Math.min(width, Math.round((step / steps) * width)));
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '-');
  return (
    `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${step}/${steps} ${f.status.toLowerCase()}` +
    ` loss ${num(p.trainLoss, 4)} val WQL ${num(p.validationWql, 4)}`
  );
}
