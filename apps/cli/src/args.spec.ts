import { describe, expect, it } from 'vitest';
import { UsageError, closestFlag, intFlag, parseFlags } from './args';

const spec = { input: { type: 'string' }, horizon: { type: 'string' }, 'base-model': { type: 'string' } } as const;
const fail = (args: string[]) => {
  try {
    parseFlags('forecast', args, spec);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`parsed ${args.join(' ')}`);
};

describe('parseFlags', () => {
  it('parses known flags in both spellings', () => {
    expect(parseFlags('forecast', ['--input', 'a.csv', '--horizon=5'], spec)).toEqual({ input: 'a.csv', horizon: '5' });
    expect(parseFlags('forecast', ['-h'], spec)).toEqual({ help: true });
  });

  it.each([
    [['--horizn', '5'], 'unknown option --horizn (did you mean --horizon?); see tsfm forecast --help'],
    [['--horizn=5'], 'unknown option --horizn (did you mean --horizon?); see tsfm forecast --help'],
    [['--basemodel', 'x'], 'unknown option --basemodel (did you mean --base-model?); see tsfm forecast --help'],
    [['--covariates', 'x.csv'], 'unknown option --covariates; see tsfm forecast --help'],
    [['-x'], 'unknown option -x; see tsfm forecast --help'],
    [['--input'], 'option --input needs a value'],
    [['--horizon', '--input', 'a'], 'option --horizon needs a value (one starting with a dash goes as --horizon=-...)'],
    [['--help=yes'], 'option --help takes no value'],
    [['stray'], 'unexpected argument "stray"; see tsfm forecast --help'],
  ])('%j: %s', (args, message) => {
    expect(fail(args)).toBe(message);
  });
});

describe('closestFlag', () => {
  it('suggests within a third of the length in edits (transpositions count once), or by prefix', () => {
    expect(closestFlag('hroizon', ['horizon', 'input'])).toBe('horizon');
    expect(closestFlag('quantile', ['quantiles', 'input'])).toBe('quantiles');
    expect(closestFlag('in', ['input', 'horizon'])).toBeUndefined();
    expect(closestFlag('zzzzzz', ['input', 'horizon'])).toBeUndefined();
  });
});

describe('intFlag', () => {
  it('accepts integers in range and names the flag otherwise', () => {
    expect(intFlag('port', '8080', 1, 65534)).toBe(8080);
    expect(intFlag('port', undefined, 1, 65534)).toBeUndefined();
    expect(() => intFlag('port', '0', 1, 65534)).toThrow('--port must be an integer from 1 to 65534, not "0"');
    expect(() => intFlag('port', '80a', 1, 65534)).toThrow('--port must be an integer from 1 to 65534, not "80a"');
  });
});
