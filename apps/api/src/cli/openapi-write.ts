import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { parseConfig } from '#config';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../openapi';

/**
 * Writes docs/openapi.json from the DTOs, or with --check fails when the committed copy differs.
 * It builds the module graph without connecting anywhere (no listen, no init).
 */
async function main(): Promise<void> {
  const config = parseConfig({ DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none' });
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: false, preview: true, abortOnError: false });
  const doc = JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n';
  const target = 'docs/openapi.json';
  if (process.argv.includes('--check')) {
    const committed = readFileSync(target, 'utf8');
    if (committed !== doc) {
      process.stderr.write(`${target} is out of date: run npm run build && npm run openapi:write, then commit it\n`);
      process.exit(1);
    }
    process.stdout.write(`${target} matches the DTOs\n`);
  } else {
    writeFileSync(target, doc);
    process.stdout.write(`wrote ${target}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
