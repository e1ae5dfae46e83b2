import { FinetuneResponse, TsfmClient, formatFinetuneProgress } from '../../../libs/sdk/src/index';
import { CliError } from './cli-error';

export interface FinetuneCommandOptions {
  url: string;
  key: string;
  /** Follow an existing fine-tune instead of creating one. */
  watch?: string;
  body?: Record<string, unknown>;
  /** Where the progress bar goes (stderr); the final fine-tune JSON goes to stdout. */
  err?: NodeJS.WriteStream;
}

/**
 * `tsfm finetune`: creates a fine-tune on a running server (or follows one with --watch), draws a
 * progress bar from its server-sent events, and prints the final fine-tune as JSON.
 * Exit code 0 when it SUCCEEDED, 1 otherwise.
 */
export async function finetuneCommand(o: FinetuneCommandOptions): Promise<number> {
  const err = o.err ?? process.stderr;
  const client = new TsfmClient({ baseUrl: o.url, apiKey: o.key });
  const tty = Boolean(err.isTTY);
  const draw = (f: FinetuneResponse) => err.write(tty ? `\r${formatFinetuneProgress(f)}` : `${formatFinetuneProgress(f)}\n`);
  let final: FinetuneResponse;
  if (o.watch) {
    const it = client.finetunes.watch(o.watch);
    for (;;) {
      const n = await it.next();
      if (n.done) {
        final = n.value;
        break;
      }
      draw(n.value);
    }
  } else {
    if (!o.body) throw new CliError('nothing to fine-tune');
    final = await client.finetunes.finetune(o.body as never, { onProgress: draw });
  }
  if (tty) err.write('\n');
  process.stdout.write(
    `${JSON.stringify({ id: final.id, name: final.name, status: final.status, baseModel: final.baseModel, metrics: final.metrics, errorCode: final.errorCode, errorMessage: final.errorMessage }, null, 2)}\n`,
  );
  return final.status === 'SUCCEEDED' ? 0 : 1;
}
