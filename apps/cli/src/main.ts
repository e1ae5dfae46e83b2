import 'reflect-metadata';
import path from 'node:path';
import { serve } from './serve';

const USAGE = `usage:
  tsfm serve [--port 8080] [--data-dir .data] [--pg-port 54329]
      api + worker; on embedded PostgreSQL (no Redis) unless DATABASE_URL is set
`;

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === 'serve') {
    await serve({
      port: Number(flag(args, 'port', process.env.PORT ?? '8080')),
      dataDir: path.resolve(flag(args, 'data-dir', process.env.TSFM_DATA_DIR ?? '.data')),
      pgPort: Number(flag(args, 'pg-port', '54329')),
    });
    return;
  }
  process.stderr.write(USAGE);
  process.exit(cmd ? 2 : 0);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`tsfm: ${(err as Error).message}\n`);
  process.exit(1);
});
