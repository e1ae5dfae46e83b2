import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const API_VERSION = '0.1.0';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('tsfm forecasting API')
    .setDescription('Multi-tenant time-series forecasting: series ingest, jobs, forecasts with xLSTM and SSM foundation models.')
    .setVersion(API_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key: tsfm_<prefix>_<secret>' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** /openapi.json and Swagger UI at /docs, generated from the DTOs. */
export function setupOpenApi(app: INestApplication): void {
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
