import fc from 'fast-check';
import type { Stack } from './stack';

/** Strings that break naive parsers, injections and numbers JSON cannot hold. */
export const NASTY = ["'; DROP TABLE series; --", '../../etc/passwd', '%00', '\u0000', '${jndi:ldap://x}', '<script>', 'NaN', 'Infinity', '-Infinity', '1e309'];

/** Any JSON value, a nasty string, any double (NaN and infinities included) or a huge one. */
export const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...NASTY), fc.double(), fc.constant(1e308));

const TABLES = ['series', 'observations', 'jobs', 'forecasts', 'finetunes', 'backtests', 'schedules', 'schedule_runs'];

/**
 * One hash of every table a request could write: equal before and after means nothing was written.
 * api_keys without last_used_at, which any request may stamp (once a minute per key).
 */
export async function databaseDigest(stack: Stack): Promise<string> {
  const parts = TABLES.map((t) => `coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM ${t} t), '')`);
  parts.push(`coalesce((SELECT string_agg((t.id, t.prefix, t.name, t.scopes, t.revoked_at)::text, '|' ORDER BY t.id) FROM api_keys t), '')`);
  return (await stack.sql<{ d: string }>(`SELECT md5(${parts.join(' || ')}) AS d`))[0].d;
}
