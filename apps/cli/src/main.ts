import path from 'node:path';
import { FlagSpec, UsageError, intFlag, parseFlags } from './args';
import { CliError } from './cli-error';

// Each command loads only its own modules: `tsfm forecast` never pays for TypeORM, pg or the SDK.

const MODELS_DIR = process.env.TSFM_MODELS_DIR ?? path.resolve(__dirname, '../../../../models');

const HELP: Record<string, string> = {
  forecast: `  tsfm forecast --input long.csv (--horizon H | --at timestamps.csv) --output out.csv [--model ID] [--quantiles 0.1,0.5,0.9]
      forecasts every series of a long CSV (series_id,timestamp,value) in-process, no servers
`,
  serve: `  tsfm serve [--port 8080] [--data-dir .data] [--pg-port 54329]
      api + worker; on embedded PostgreSQL (no Redis) unless DATABASE_URL is set; Ctrl-C stops it
`,
  finetune: `  tsfm finetune --name NAME (--tag TAG | --series id1,id2) --horizon H [--base-model ID] [--steps N]
                [--learning-rate LR] [--loss pinball|mae|mse] [--validation W] [--seed S]
  tsfm finetune --watch FINETUNE_ID
      fine-tunes a head on a running server and shows a progress bar from its event stream;
      server and key from --url/--key or TSFM_URL (default http://127.0.0.1:8080) and TSFM_API_KEY
`,
  key: `  tsfm key create [--tenant default] [--name LABEL] [--scopes admin,write,read] [--data-dir .data] [--pg-port 54329]
      issues a new API key for a tenant (prints only the key on stdout); on the embedded database of
      --data-dir (running or not) unless DATABASE_URL is set; all three scopes unless --scopes names fewer
`,
};
const USAGE = `usage:\n${Object.values(HELP).join('')}  tsfm <command> --help\n`;

const FLAGS: Record<string, FlagSpec> = {
  forecast: {
    input: { type: 'string' },
    output: { type: 'string' },
    horizon: { type: 'string' },
    at: { type: 'string' },
    model: { type: 'string' },
    quantiles: { type: 'string' },
  },
  serve: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'pg-port': { type: 'string' } },
  finetune: Object.fromEntries(
    ['key', 'url', 'watch', 'name', 'horizon', 'tag', 'series', 'base-model', 'steps', 'learning-rate', 'loss', 'validation', 'seed'].map((k) => [
      k,
      { type: 'string' as const },
    ]),
  ),
  key: { tenant: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, 'data-dir': { type: 'string' }, 'pg-port': { type: 'string' } },
};

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (!(cmd in FLAGS)) {
    process.stderr.write(`tsfm: unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
    process.exit(2);
  }
  let args = rest;
  if (cmd === 'key') {
    // `key` has one subcommand so far; naming it keeps room for list/revoke later.
    if (rest[0] === '--help' || rest[0] === '-h') args = rest;
    else if (rest[0] !== 'create') throw new UsageError(`key needs a subcommand: tsfm key create${rest[0] ? ` (${JSON.stringify(rest[0])} is not one)` : ''}`);
    else args = rest.slice(1);
  }
  const f = parseFlags(cmd === 'key' ? 'key create' : cmd, args, FLAGS[cmd]);
  if (f.help) {
    process.stdout.write(`usage:\n${HELP[cmd]}`);
    return;
  }
  if (cmd === 'forecast') {
    const input = str(f.input);
    const output = str(f.output);
    if (!input || !output) throw new CliError('--input and --output are required');
    const horizon = str(f.horizon);
    if (horizon !== undefined && !/^[1-9]\d*$/.test(horizon)) throw new CliError('--horizon must be a positive integer');
    const quantiles = str(f.quantiles)?.split(',').map(Number);
    if (quantiles?.some((x) => !(x > 0 && x < 1))) throw new CliError('--quantiles must be levels between 0 and 1, comma-separated');
    const { forecastCommand } = await import('./forecast-command.js');
    process.exitCode = await forecastCommand({
      input,
      output,
      horizon: horizon ? Number(horizon) : undefined,
      at: str(f.at),
      model: str(f.model),
      quantiles,
      modelsDir: MODELS_DIR,
    });
    return;
  }
  if (cmd === 'finetune') {
    const key = str(f.key) ?? process.env.TSFM_API_KEY;
    if (!key) throw new CliError('an API key is required: --key or TSFM_API_KEY');
    const url = str(f.url) ?? process.env.TSFM_URL ?? 'http://127.0.0.1:8080';
    const int = (n: string) => {
      const v = str(f[n]);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new CliError(`--${n} must be a non-negative integer`);
      return Number(v);
    };
    const watch = str(f.watch);
    let body: Record<string, unknown> | undefined;
    if (!watch) {
      const name = str(f.name);
      const horizon = int('horizon');
      if (!name || horizon === undefined) throw new CliError('--name and --horizon are required (or --watch ID)');
      const lr = str(f['learning-rate']);
      body = Object.fromEntries(
        Object.entries({
          name,
          horizon,
          tag: str(f.tag),
          seriesIds: str(f.series)?.split(','),
          baseModel: str(f['base-model']),
          steps: int('steps'),
          learningRate: lr === undefined ? undefined : Number(lr),
          loss: str(f.loss),
          validation: int('validation'),
          seed: int('seed'),
        }).filter(([, v]) => v !== undefined),
      );
    }
    const { finetuneCommand } = await import('./finetune-command.js');
    process.exitCode = await finetuneCommand({ url, key, watch, body });
    return;
  }
  const dataDir = path.resolve(str(f['data-dir']) ?? process.env.TSFM_DATA_DIR ?? '.data');
  const pgPort = intFlag('pg-port', f['pg-port'], 1, 65535) ?? 54329;
  if (cmd === 'serve') {
    const port = intFlag('port', f.port ?? process.env.PORT ?? '8080', 1, 65534)!;
    const { serve } = await import('./serve.js');
    await serve({ port, dataDir, pgPort });
    return;
  }
  const scopes = str(f.scopes)
    ?.split(',')
    .map((x) => x.trim());
  const known = ['admin', 'write', 'read'] as const;
  if (scopes && (scopes.length === 0 || scopes.some((x) => !known.includes(x as (typeof known)[number])) || new Set(scopes).size !== scopes.length)) {
    throw new UsageError(`--scopes must name some of ${known.join(', ')}, comma-separated, each once (got ${JSON.stringify(f.scopes)})`);
  }
  const { keyCreateCommand } = await import('./key-command.js');
  process.exitCode = await keyCreateCommand({
    tenant: str(f.tenant) ?? 'default',
    name: str(f.name) ?? 'cli',
    scopes: scopes as (typeof known)[number][] | undefined,
    dataDir,
    pgPort,
  });
}

main(process.argv.slice(2)).catch((err) => {
  // One line for the user's mistakes; a stack only for our own.
  const usage = err instanceof CliError || err instanceof UsageError;
  process.stderr.write(usage || (err as { code?: string }).code ? `tsfm: ${(err as Error).message}\n` : `tsfm: ${(err as Error).stack}\n`);
  process.exit(usage ? 2 : 1);
});
