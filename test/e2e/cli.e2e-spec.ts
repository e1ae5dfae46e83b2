import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';

function tsfm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin/tsfm.js'), ...args], { env: { PATH: process.env.PATH }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The built command line (bin/tsfm.js): a flag it does not know is an error, never silently ignored. */
describe('tsfm command line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-flags-'));
  const input = path.join(dir, 'in.csv');
  const output = path.join(dir, 'out.csv');
  writeFileSync(input, 'series_id,timestamp,value\na,2024-01-01T00:00:00Z,1\n');

  it.each([
    [
      ['forecast', '--input', input, '--output', output, '--horizn', '5'],
      'tsfm: unknown option --horizn (did you mean --horizon?); see tsfm forecast --help\n',
    ],
    [
      ['forecast', '--input', input, '--output', output, '--horizon', '5', '--covariates', 'x.csv'],
      'tsfm: unknown option --covariates; see tsfm forecast --help\n',
    ],
    [['forecast', '--input', input, '--output'], 'tsfm: option --output needs a value\n'],
    [['forecast', '--input', input, '--output', output, '--horizon', '5', 'extra'], 'tsfm: unexpected argument "extra"; see tsfm forecast --help\n'],
    [['serve', '--prot', '9000'], 'tsfm: unknown option --prot (did you mean --port?); see tsfm serve --help\n'],
    [['serve', '--port', '99999'], 'tsfm: --port must be an integer from 1 to 65534, not "99999"\n'],
    [
      ['finetune', '--key', 'k', '--name', 'x', '--horizon', '4', '--lerning-rate', '0.1'],
      'tsfm: unknown option --lerning-rate (did you mean --learning-rate?); see tsfm finetune --help\n',
    ],
    [['key', 'create', '--tennant', 'acme'], 'tsfm: unknown option --tennant (did you mean --tenant?); see tsfm key create --help\n'],
    [['key', 'revoke'], 'tsfm: key needs a subcommand: tsfm key create ("revoke" is not one)\n'],
    [['key', 'create', '--scopes', 'read,root'], 'tsfm: --scopes must name some of admin, write, read, comma-separated, each once (got "read,root")\n'],
    [['key', 'create', '--scopes', 'read,read'], 'tsfm: --scopes must name some of admin, write, read, comma-separated, each once (got "read,read")\n'],
  ])('%j: exit 2, one line naming it, nothing run', async (args, stderr) => {
    const r = await tsfm(...args);
    expect(r).toEqual({ code: 2, stdout: '', stderr });
    expect(existsSync(output)).toBe(false);
  });

  it('an unknown command prints the usage on stderr, exit 2; --help prints it on stdout, exit 0', async () => {
    const bad = await tsfm('forcast');
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').slice(0, 2)).toEqual(['tsfm: unknown command "forcast"', 'usage:']);
    const help = await tsfm('--help');
    expect(help.code).toBe(0);
    for (const cmd of ['forecast', 'serve', 'finetune', 'key create']) expect(help.stdout).toContain(`  tsfm ${cmd} `);
    const one = await tsfm('serve', '--help');
    expect(one).toEqual({ code: 0, stdout: expect.stringContaining('tsfm serve [--port 8080] [--data-dir .data] [--pg-port 54329]'), stderr: '' });
    expect(one.stdout).not.toContain('tsfm forecast');
  });
});
