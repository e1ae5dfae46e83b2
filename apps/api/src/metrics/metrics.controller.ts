import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.decorator';
import { MetricsService } from './metrics.service';

/** Job counts of every tenant: an admin key's view only (Prometheus: `authorization: {credentials: <admin key>}`). */
@ApiExcludeController()
@RequireScope('admin')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
