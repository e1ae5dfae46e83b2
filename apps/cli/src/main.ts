import 'reflect-metadata';
import path from 'node:path';
import { CliError, forecastCommand } from './forecast-command';
import { finetuneCommand } from './finetune-command';
import { serve } from './serve';

const MODELS_DIR = process.env.TSFM_MODELS_DIR ?? path.resolve(__dirname, '../../../../models');

const USAGE = `usage:
  tsfm forecast --input long.csv (--horizon H | --at timestamps.csv) --output out.csv [--model ID] [--quantiles 0.1,0.5,0.9]
      forecasts every series of a long CSV (series_id,timestamp,value) in-process, no servers
  tsfm serve [--port 8080] [--data-dir .data] [--pg-port 54329]
      api + worker; on embedded PostgreSQL (no Redis) unless DATABASE_URL is set
  tsfm finetune --name NAME (--tag TAG | --series id1,id2) --horizon H [--base-model ID] [--steps N]
                [--learning-rate LR] [--loss pinball|mae|mse] [--validation W] [--seed S]
  tsfm finetune --watch FINETUNE_ID
      fine-tunes a head on a running server and shows a progress bar from its event stream;
      server and key from --url/--key or TSFM_URL (default http://127.0.0.1:8080) and TSFM_API_KEY
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
  if (cmd === 'finetune') {
    const get = (n: string) => {
      const i = args.indexOf(`--${n}`);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const key = get('key') ?? process.env.TSFM_API_KEY;
    if (!key) throw new CliError('an API key is required: --key or TSFM_API_KEY');
    const url = get('url') ?? process.env.TSFM_URL ?? 'http://127.0.0.1:8080';
    const int = (n: string) => {
      const v = get(n);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new CliError(`--${n} must be a non-negative integer`);
      return Number(v);
    };
    const watch = get('watch');
    let body: Record<string, unknown> | undefined;
    if (!watch) {
      const name = get('name');
      const horizon = int('horizon');
      if (!name || horizon === undefined) throw new CliError('--name and --horizon are required (or --watch ID)');
      const lr = get('learning-rate');
      body = Object.fromEntries(Object.entries({
        name, horizon, tag: get('tag'), seriesIds: get('series')?.split(','), baseModel: get('base-model'), steps: int('steps'),
        learningRate: lr === undefined ? undefined : Number(lr), loss: get('loss'), validation: int('validation'), seed: int('seed'),
      }).filter(([, v]) => v !== undefined));
    }
    process.exitCode = await finetuneCommand({ url, key, watch, body });
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
