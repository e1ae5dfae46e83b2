import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, InvalidInputError } from '#common';
import { FinetuneRow, FinetunesRepository, SeriesRepository, TransactionRunner } from '#db';
import { APP_CONFIG, AppConfig } from '#config';
import { AUTO_MODEL_ID, FinetuneParams, checkFullFinetune } from '#forecasting';
import { JobName, JobQueueService } from '#jobs';
import { ModelCatalog } from '#model-runtime';
import { checkModelLimits } from '../models/model-directory.service';
import { TenantQuotas } from '../common/quotas/tenant-quotas.service';
import { CreateFinetuneDto } from './dto/create-finetune.dto';
import { FinetunePageResponse, FinetuneResponse } from './dto/finetune.response';

export const FINAL_FINETUNE = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function toFinetuneResponse(f: FinetuneRow): FinetuneResponse {
  return {
    id: f.id,
    name: f.name,
    baseModel: f.baseModel,
    method: f.method,
    status: f.status,
    params: f.params,
    progress: f.progress,
    metrics: f.metrics,
    headSha256: f.headSha256,
    jobId: f.jobId,
    errorCode: f.errorCode,
    errorMessage: f.errorMessage,
    createdAt: new Date(f.createdAt).toISOString(),
    finishedAt: f.finishedAt ? new Date(f.finishedAt).toISOString() : null,
    url: `/v1/finetunes/${f.id}`,
  };
}

@Injectable()
export class FinetunesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ModelCatalog,
    private readonly tx: TransactionRunner,
    private readonly series: SeriesRepository,
    private readonly finetunes: FinetunesRepository,
    private readonly queue: JobQueueService,
    private readonly quotas: TenantQuotas,
  ) {}

  /** Validates, records the fine-tune and its job in one transaction, enqueues; 202. */
  async create(tenantId: string, dto: CreateFinetuneDto): Promise<FinetuneResponse> {
    if ((dto.seriesIds === undefined) === (dto.tag === undefined)) throw new BadRequestError('VALIDATION_FAILED', 'Send exactly one of seriesIds or tag');
    if (dto.baseModel === AUTO_MODEL_ID)
      throw new InvalidInputError('AUTO_NOT_SUPPORTED', 'Model auto combines other models per series; fine-tune one of its candidates');
    if (dto.name === AUTO_MODEL_ID) throw new ConflictError('MODEL_NAME_TAKEN', `"${dto.name}" is a model id (GET /v1/models)`);
    const base = this.catalog.get(dto.baseModel ?? this.catalog.defaultModel);
    if (!base.head.tensors.length) throw new InvalidInputError('FINETUNE_UNSUPPORTED', `Model ${base.id} has no trainable head`);
    if (this.catalog.list().some((e) => e.id === dto.name)) throw new ConflictError('MODEL_NAME_TAKEN', `"${dto.name}" is a catalog model id`);
    const method = dto.method ?? 'head';
    if (method === 'full') {
      const check = await checkFullFinetune(this.config, base);
      if (!check.ok) throw new InvalidInputError('FULL_FINETUNE_UNAVAILABLE', check.reason!);
      const depth = Number((base.config as Record<string, unknown>)[base.family === 'xlstm' ? 'num_blocks' : 'encoder_num_layers'] ?? 1);
      if ((dto.blocks ?? 1) > depth)
        throw new InvalidInputError('FINETUNE_DEPTH_TOO_LARGE', `${base.id} has ${depth} blocks; blocks must be 1..${depth}`, { maxBlocks: depth });
    } else if (dto.blocks !== undefined) {
      throw new BadRequestError('VALIDATION_FAILED', 'blocks applies to method "full" only');
    }
    checkModelLimits(base, { horizon: dto.horizon });
    for (const id of dto.seriesIds ?? []) await this.series.get(tenantId, id);
    const params: FinetuneParams = {
      ...(dto.seriesIds ? { seriesIds: dto.seriesIds } : { tag: dto.tag }),
      horizon: dto.horizon,
      steps: dto.steps ?? 300,
      learningRate: dto.learningRate ?? 1e-3,
      loss: dto.loss ?? 'pinball',
      validation: dto.validation ?? 1,
      seed: dto.seed ?? 0,
      batchSize: dto.batchSize ?? 32,
      ...(method === 'full' ? { blocks: dto.blocks ?? 1 } : {}),
    };
    await this.quotas.admitJob(tenantId);
    const id = randomUUID();
    const job = await this.tx.run(async (em) => {
      const j = await this.queue.record(em, tenantId, JobName.Finetune, (jobId) => ({ jobId, tenantId, finetuneId: id }));
      await this.finetunes.create(em, { id, tenantId, jobId: j.id, name: dto.name, baseModel: base.id, method, params });
      return j;
    });
    await this.queue.enqueueOrDefer(job);
    return toFinetuneResponse(await this.finetunes.get(tenantId, id));
  }

  async get(tenantId: string, id: string): Promise<FinetuneResponse> {
    return toFinetuneResponse(await this.finetunes.get(tenantId, id));
  }

  async list(tenantId: string, q: { cursor?: string; limit?: number }): Promise<FinetunePageResponse> {
    const page = await this.finetunes.list(tenantId, { cursor: q.cursor, limit: q.limit ?? 50 });
    return { items: page.items.map(toFinetuneResponse), nextCursor: page.nextCursor };
  }

  /** Deletes a fine-tuned model (cancelling its job if it still runs); 409 while a schedule uses it. */
  async delete(tenantId: string, id: string): Promise<void> {
    const f = await this.finetunes.get(tenantId, id);
    await this.tx.run(async (em) => {
      const usedBy = await em.query(`SELECT id FROM schedules WHERE tenant_id = $1 AND model_id = $2 LIMIT 1`, [tenantId, f.name]);
      if (usedBy.length)
        throw new ConflictError('MODEL_IN_USE', `Model "${f.name}" is used by schedule ${usedBy[0].id}; change or delete the schedule first`, {
          scheduleId: usedBy[0].id,
        });
      await em.query(`UPDATE jobs SET cancel_requested = true WHERE id = $1 AND state IN ('QUEUED', 'RUNNING')`, [f.jobId]);
      await this.finetunes.delete(em, tenantId, id);
    });
  }
}
