import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { ForecastsRepository } from '#db';
import { ModelRuntime } from '#model-runtime';

/** Publishes which execution provider each model runs on (and why a fallback happened) for the api. */
@Injectable()
export class RuntimeStatusReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly id = `${hostname()}:${process.pid}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly forecasts: ForecastsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const m of this.runtime.models()) {
      const f = m.provider.fallbacks;
      if (f.length)
        new Logger('runtime').warn(`${m.entry.id}: using ${m.provider.active}; ${f.map((x) => `${x.provider} unavailable (${x.reason})`).join('; ')}`);
    }
    await this.report();
    this.timer = setInterval(() => void this.report().catch(() => undefined), 60_000);
    this.timer.unref();
  }

  report(): Promise<void> {
    return this.forecasts.saveRuntimeStatus(
      this.id,
      this.runtime.models().map((m) => ({ id: m.entry.id, provider: m.provider, onnxruntimeVersion: m.ortVersion, batching: m.batching })),
    );
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
