import { parseArgs } from 'node:util';

/** A mistake on the command line: printed as one `tsfm: ...` line, exit code 2. */
export class UsageError extends Error {}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known flag a misspelt one most likely meant: within a third of its length in edits, or a prefix of it. */
export function closestFlag(given: string, known: string[]): string | undefined {
  const scored = known
    .map((k) => ({ k, d: k.startsWith(given) && given.length >= 3 ? 0 : distance(given, k) }))
    .filter((x) => x.d <= Math.max(1, Math.floor(given.length / 3)))
    .sort((x, y) => x.d - y.d);
  return scored[0]?.k;
}

/**
 * Strict flag parsing for one command: a flag the command does not know, a flag without its value
 * and a stray positional argument are UsageErrors that name the flag (and the closest known one), so
 * a typo is never run as if the flag were absent.
 */
export function parseFlags(command: string, args: string[], spec: FlagSpec): Record<string, string | boolean | undefined> {
  const options = { ...spec, help: { type: 'boolean' as const, short: 'h' } };
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const named = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
    // parseArgs names "-h, --horizon <value>" for flags with a short form; the long form is the one we print.
    const flag = /--[\w-]+/.exec(e.message)?.[0] ?? named;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = named.replace(/^-+/, '').split('=')[0];
      const guess = named.startsWith('--') || name.length > 1 ? closestFlag(name, Object.keys(options)) : undefined;
      throw new UsageError(`unknown option ${named.split('=')[0]}${guess ? ` (did you mean --${guess}?)` : ''}; see tsfm ${command} --help`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(e.message)) throw new UsageError(`option ${flag} takes no value`);
      // "ambiguous": the next word starts with a dash, so it is taken for the next flag, not this one's value.
      throw new UsageError(`option ${flag} needs a value${/ambiguous/.test(e.message) ? ` (one starting with a dash goes as ${flag}=-...)` : ''}`);
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? '')}; see tsfm ${command} --help`);
    }
    throw err;
  }
}

/** An integer flag within [min, max], or the fallback when the flag is absent. */
export function intFlag(name: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
