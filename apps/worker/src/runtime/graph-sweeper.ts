import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '#config';
import { FinetunesRepository } from '#db';
import { ModelRuntime } from '#model-runtime';

/**
 * Unloads the `full` fine-tune graphs whose fine-tunes were deleted. The api deletes the row; every
 * worker compares its loaded graphs with the table on a timer. A poll rather than a message (Redis
 * pub/sub, PostgreSQL NOTIFY): it needs no extra connection, works on either queue backend, and a
 * worker that was down or disconnected when the delete happened still catches up on its next pass.
 * Meanwhile the deleted model is already unreachable: the resolver reads the fine-tune on every request.
 */
@Injectable()
export class GraphSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('runtime');
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runtime: ModelRuntime,
    private readonly finetunes: FinetunesRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((err: Error) => this.log.warn(`graph sweep: ${err.message}`)), this.config.worker.graphSweepMs);
    this.timer.unref();
  }

  /** One pass; the number of graphs unloaded. A graph running a forecast waits for the next pass. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const loaded = this.runtime.loadedGraphs();
    if (!loaded.length) return 0;
    const served = await this.finetunes.servedGraphs([...new Set(loaded.map((g) => g.sha256))]);
    let n = 0;
    for (const g of loaded) {
      if (served.has(g.sha256) || g.inUse > 0) continue;
      if (await this.runtime.unloadGraph(g.id)) {
        n++;
        this.log.log(`unloaded graph ${g.id}: its fine-tune was deleted`);
      }
    }
    return n;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
