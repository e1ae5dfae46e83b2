import { Controller, Get, HttpException, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ForecastsRepository, TransactionRunner } from '#db';
import { JobQueueService } from '#jobs';
import { Public } from '../auth/public.decorator';
import type { AuthenticatedRequest } from '../auth/tenant-id.decorator';

async function probe(fn: () => Promise<unknown>, timeoutMs = 2000): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timed out')), timeoutMs)))]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: TransactionRunner,
    private readonly forecasts: ForecastsRepository,
    private readonly queue: JobQueueService,
  ) {}

  /**
   * Where a newcomer looks first: 200 with the state of both probes and their paths. Only ok or
   * unavailable: the reasons (which may hold database error text) stay on /health/ready.
   */
  @Get()
  @ApiOkResponse({ schema: { example: { status: 'ok', live: { path: '/health/live', status: 'ok' }, ready: { path: '/health/ready', status: 'ok' } } } })
  async summary(): Promise<{ status: string; live: { path: string; status: string }; ready: { path: string; status: string } }> {
    const [database, queue] = await Promise.all([probe(() => this.db.ping()), probe(() => this.queue.ping())]);
    const ready = database.ok && queue.ok ? 'ok' : 'unavailable';
    return { status: ready, live: { path: '/health/live', status: 'ok' }, ready: { path: '/health/ready', status: ready } };
  }

  @Get('live')
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  /**
   * 503 while the database or the queue backend is unreachable. Without an admin key, which checks
   * pass and nothing more; the checks' error text and the workers' models need an admin key.
   */
  @Get('ready')
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        checks: { database: { ok: true }, queue: { ok: true } },
        models: [
          { worker: 'host:123', id: 'xlstm-dev', provider: { requested: ['cuda', 'cpu'], active: 'cpu', fallbacks: [{ provider: 'cuda', reason: '...' }] } },
        ],
      },
    },
  })
  async ready(
    @Req() req: Partial<AuthenticatedRequest>,
  ): Promise<{ status: string; checks?: Record<string, { ok: boolean; error?: string }>; models?: unknown[] }> {
    const [database, queue] = await Promise.all([probe(() => this.db.ping()), probe(() => this.queue.ping())]);
    if (!req.apiKeyScopes?.includes('admin')) {
      // Which dependency is down, but not its error text (hosts, ports, database names).
      const checks = { database: { ok: database.ok }, queue: { ok: queue.ok } };
      if (!database.ok || !queue.ok) throw new HttpException({ code: 'NOT_READY', message: 'A dependency is unavailable', details: checks }, 503);
      return { status: 'ok', checks };
    }
    const models = await this.forecasts.runtimeStatus().then(
      (ws) => ws.flatMap((w) => (w.models as { id: string; provider: unknown }[]).map((m) => ({ worker: w.workerId, id: m.id, provider: m.provider }))),
      () => [],
    );
    const body = { status: database.ok && queue.ok ? 'ok' : 'unavailable', checks: { database, queue }, models };
    if (body.status !== 'ok') {
      throw new HttpException({ code: 'NOT_READY', message: 'A dependency is unavailable', details: body.checks }, 503);
    }
    return body;
  }
}
