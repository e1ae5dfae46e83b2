/**
 * A row as DataSource.query() returns it: column names to the values pg parsed. TypeORM types query
 * results as any; each repository narrows a row field by field in its toRow/toEntity mapper.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- what TypeORM's query() returns; the mappers narrow it
export type RawRow = Record<string, any>;
