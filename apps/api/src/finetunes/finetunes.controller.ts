import { BeforeApplicationShutdown, Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeysRepository } from '#db';
import { AuthenticatedRequest, TenantId } from '../auth/tenant-id.decorator';
import { HoldsTenantQuota } from '../common/quotas/tenant-quota.interceptor';
import { CreateFinetuneDto } from './dto/create-finetune.dto';
import { FinetunePageResponse, FinetuneResponse } from './dto/finetune.response';
import { ListFinetunesQuery } from './dto/list-finetunes.query';
import { FINAL_FINETUNE, FinetunesService } from './finetunes.service';

/** How long one event stream stays open before the client reconnects. */
const SSE_MAX_MS = 60 * 60 * 1000;
/** How often an open stream re-checks the key that opened it: a revoked key's streams end within this (+ one poll). */
const KEY_RECHECK_MS = 2000;

/** The evaluated training steps recorded in a fine-tune's progress, in step order. */
function historyOf(progress: Record<string, unknown> | null | undefined): { step: number }[] {
  const h = progress?.history;
  if (!Array.isArray(h)) return [];
  return h.filter((x): x is { step: number } => typeof x === 'object' && x !== null && Number.isFinite((x as { step?: unknown }).step));
}

@ApiTags('finetunes')
@ApiBearerAuth()
@Controller('v1/finetunes')
export class FinetunesController implements BeforeApplicationShutdown {
  /** Set on shutdown: open event streams end (clients reconnect to another replica) so the server can close. */
  private closing = false;

  constructor(
    private readonly finetunes: FinetunesService,
    private readonly keys: ApiKeysRepository,
  ) {}

  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: FinetuneResponse, description: 'Queued: watch GET /v1/finetunes/{id} or its events stream' })
  create(@TenantId() tenantId: string, @Body() dto: CreateFinetuneDto): Promise<FinetuneResponse> {
    return this.finetunes.create(tenantId, dto);
  }

  @Get()
  @ApiOkResponse({ type: FinetunePageResponse })
  list(@TenantId() tenantId: string, @Query() q: ListFinetunesQuery): Promise<FinetunePageResponse> {
    return this.finetunes.list(tenantId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: FinetuneResponse })
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<FinetuneResponse> {
    return this.finetunes.get(tenantId, id);
  }

  /**
   * Server-sent events: `progress` whenever the status or progress changes, then one `done` with
   * the final state. Each event's data is the fine-tune as GET returns it. Every evaluated training
   * step gets its own `progress` event (phase `training`, progress at that step) even when several
   * passed between two polls or the stream was opened after the job ended: they are replayed from
   * `progress.history`, with status RUNNING (the state at that step).
   */
  @Get(':id/events')
  @HoldsTenantQuota('openStreams')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream of `progress` and `done` events (data: the fine-tune JSON)' })
  async events(@TenantId() tenantId: string, @Param('id') id: string, @Req() req: Request & AuthenticatedRequest, @Res() res: Response): Promise<void> {
    let f = await this.finetunes.get(tenantId, id); // 404 before any header is sent
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    let closed = false;
    req.on('close', () => {
      closed = true;
    });
    const started = Date.now();
    let last = '';
    let sentStep = -Infinity;
    let keyCheckedAt = Date.now();
    while (!closed && !this.closing && Date.now() - started < SSE_MAX_MS) {
      const history = historyOf(f.progress);
      for (let i = 0; i < history.length; i++) {
        if (history[i].step <= sentStep) continue;
        // The state at that step: a replay after the end still says RUNNING there.
        const progress = { ...f.progress, phase: 'training', ...history[i], history: history.slice(0, i + 1) };
        res.write(`event: progress\ndata: ${JSON.stringify({ ...f, status: FINAL_FINETUNE.includes(f.status) ? 'RUNNING' : f.status, progress })}\n\n`);
        sentStep = history[i].step;
        if (f.progress?.phase === 'training' && i === history.length - 1) last = JSON.stringify([f.status, f.progress]);
      }
      const key = JSON.stringify([f.status, f.progress]);
      if (key !== last) {
        res.write(`event: progress\ndata: ${JSON.stringify(f)}\n\n`);
        last = key;
      }
      if (FINAL_FINETUNE.includes(f.status)) {
        res.write(`event: done\ndata: ${JSON.stringify(f)}\n\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
      if (Date.now() - keyCheckedAt >= KEY_RECHECK_MS) {
        keyCheckedAt = Date.now();
        if (!(await this.keys.isActive(req.apiKeyId).catch(() => true))) {
          res.write(`event: error\ndata: ${JSON.stringify({ code: 'UNAUTHENTICATED', message: 'The API key was revoked' })}\n\n`);
          break;
        }
      }
      try {
        f = await this.finetunes.get(tenantId, id);
      } catch {
        res.write(`event: error\ndata: ${JSON.stringify({ code: 'FINETUNE_NOT_FOUND', message: 'the fine-tune was deleted' })}\n\n`);
        break;
      }
    }
    res.end();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The fine-tuned model and (when unshared) its head are deleted; 409 MODEL_IN_USE while a schedule uses it' })
  async delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    await this.finetunes.delete(tenantId, id);
  }
}
