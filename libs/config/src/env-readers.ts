export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Reader<T> = (raw: string) => T;

/** Returns a reader bound to `env`; a missing variable without default is an error naming it. */
export function readEnv(env: NodeJS.ProcessEnv) {
  return function read<T>(name: string, parse: Reader<T>, fallback?: string): T {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : raw;
    if (value === undefined) throw new ConfigError(name, 'is required but not set');
    try {
      return parse(value);
    } catch (err) {
      throw new ConfigError(name, `${(err as Error).message} (got ${JSON.stringify(value)})`);
    }
  };
}

export const str =
  (pattern?: RegExp): Reader<string> =>
  (raw) => {
    if (pattern && raw !== '' && !pattern.test(raw)) throw new Error(`must match ${pattern}`);
    return raw;
  };

export const int =
  (min: number, max: number): Reader<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new Error('must be an integer');
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
    return n;
  };

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export const bytes =
  (min: number, max: number): Reader<number> =>
  (raw) => {
    const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
    if (!m) throw new Error('must be a size such as 16mb or 1048576');
    const n = Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()];
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max} bytes`);
    return n;
  };

export const oneOf =
  <T extends string>(allowed: readonly T[]): Reader<T> =>
  (raw) => {
    if (!(allowed as readonly string[]).includes(raw)) throw new Error(`must be one of ${allowed.join(', ')}`);
    return raw as T;
  };

export const list =
  <T extends string>(allowed: readonly T[]): Reader<T[]> =>
  (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new Error('must list at least one value');
    return items.map((item) => oneOf(allowed)(item));
  };

export const url =
  (protocols: string[]): Reader<string> =>
  (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`must use ${protocols.join(' or ')}`);
    return raw;
  };

/**
 * Browser origins allowed to call the API cross-origin (CORS): '' = none, '*' = any, else a
 * comma-separated list of exact origins (scheme://host[:port], no path).
 */
export const origins: Reader<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.includes('*')) {
    if (items.length > 1) throw new Error("'*' allows every origin and cannot be combined with others");
    return ['*'];
  }
  return items.map((item) => {
    let u: URL;
    try {
      u = new URL(item);
    } catch {
      throw new Error(`${JSON.stringify(item)} is not an origin (scheme://host[:port])`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== item) {
      throw new Error(`${JSON.stringify(item)} is not an origin (scheme://host[:port], http or https, no path or trailing slash)`);
    }
    return item;
  });
};
