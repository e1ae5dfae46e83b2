import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppConfig, nestLogLevels } from '#config';
import { AppModule } from './app.module';
import { renderError } from './common/all-exceptions.filter';
import { requestIdMiddleware } from './common/request-id.middleware';
import { createValidationPipe } from './common/validation.pipe';
import { jsonDepthMiddleware } from './common/json-depth.middleware';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi';

const TEXT_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson'];

/** Builds the configured api application; main() and the e2e tests both use it. */
export async function createApiApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: nestLogLevels(config.logLevel),
  });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestIdMiddleware);
  const cors = config.http.corsOrigins;
  if (cors.length > 0) {
    // Browser clients on other origins (TSFM_CORS_ORIGINS): preflights are answered here, before
    // authentication; no cookies are used, so no credentials. The SDK reads X-Request-Id and Retry-After.
    app.enableCors({
      origin: cors[0] === '*' ? '*' : cors,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Last-Event-ID'],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'Location',
        'Idempotent-Replayed',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        'Content-Disposition',
      ],
      maxAge: 600,
    });
  }
  // Cross-Origin-Resource-Policy: same-origin unless browsers on other origins are allowed.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: cors.length > 0 ? 'cross-origin' : 'same-origin' } }));
  app.use(app.get(MetricsService).middleware());
  app.use(express.json({ limit: config.http.maxBodyBytes, type: ['application/json'], strict: true }));
  app.use(express.text({ limit: config.http.maxBodyBytes, type: TEXT_TYPES }));
  app.use(jsonDepthMiddleware);
  // Body-parser failures (413, malformed JSON) get the same JSON error shape as everything else.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => renderError(err, req, res));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  // Idle keep-alive sockets outlive typical client and load-balancer pools (Node's default is 5 s,
  // which lets clients reuse a socket the server is closing: ECONNRESET).
  const server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  setupOpenApi(app);
  // Unknown routes answer with the JSON error shape too.
  return app;
}

export async function startApi(config: AppConfig): Promise<INestApplication> {
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  new Logger('api').log(`listening on ${await app.getUrl()}`);
  return app;
}
