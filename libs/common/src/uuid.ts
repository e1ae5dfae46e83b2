const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs can never exist; callers answer 404 without querying. */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
