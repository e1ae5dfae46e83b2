import 'reflect-metadata';
import path from 'node:path';
import { CliError, forecastCommand } from './forecast-command';
import { serve } from './serve';

const MODELS_DIR = process.env.TSFM_MODELS_DIR ?? path.resolve(__dirname, '../../../../models');

const USAGE = `usage:
  tsfm forecast --input long.csv (--horizon H | --at timestamps.csv) --output out.csv [--model ID] [--quantiles 0.1,0.5,0.9]
      forecasts every series of a long CSV (series_id,timestamp,value) in-process, no servers
  tsfm serve [--port 8080] [--data-dir .data] [--pg-port 54329]
      api + worker; on embedded PostgreSQL (no Redis) unless DATABASE_URL is set
`;

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === 'forecast') {
    const get = (n: string) => {
      const i = args.indexOf(`--${n}`);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const input = get('input');
    const output = get('output');
    if (!input || !output) throw new CliError('--input and --output are required');
    const horizon = get('horizon');
    if (horizon !== undefined && !/^[1-9]\d*$/.test(horizon)) throw new CliError('--horizon must be a positive integer');
    const q = get('quantiles');
    const quantiles = q?.split(',').map(Number);
    if (quantiles?.some((x) => !(x > 0 && x < 1))) throw new CliError('--quantiles must be levels between 0 and 1, comma-separated');
    process.exitCode = await forecastCommand({ input, output, horizon: horizon ? Number(horizon) : undefined, at: get('at'), model: get('model'), quantiles, modelsDir: MODELS_DIR });
    return;
  }
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
  // One line for the user's mistakes; a stack only for our own.
  process.stderr.write(err instanceof CliError || (err as { code?: string }).code ? `tsfm: ${(err as Error).message}\n` : `tsfm: ${(err as Error).stack}\n`);
  process.exit(err instanceof CliError ? 2 : 1);
});
