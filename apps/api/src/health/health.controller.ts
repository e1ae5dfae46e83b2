import { Controller, Get, HttpException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TransactionRunner } from '#db';
import { JobQueueService } from '#jobs';
import { Public } from '../auth/public.decorator';

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
    private readonly queue: JobQueueService,
  ) {}

  @Get('live')
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** 503 while the database or the queue backend is unreachable. */
  @Get('ready')
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: { ok: true }, queue: { ok: true } } } } })
  async ready(): Promise<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }> {
    const [database, queue] = await Promise.all([probe(() => this.db.ping()), probe(() => this.queue.ping())]);
    const body = { status: database.ok && queue.ok ? 'ok' : 'unavailable', checks: { database, queue } };
    if (body.status !== 'ok') {
      throw new HttpException({ code: 'NOT_READY', message: 'A dependency is unavailable', details: body.checks }, 503);
    }
    return body;
  }
}
