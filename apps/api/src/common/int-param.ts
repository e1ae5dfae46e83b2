import { Transform } from 'class-transformer';

/**
 * A query parameter holding a whole number, written in plain decimal digits. `@Type(() => Number)`
 * took whatever Number() takes (`0x10`, ` 5`, `1e2`); anything but digits stays a string here and
 * fails the IsInt next to it (400 VALIDATION_FAILED).
 */
export const IntParam = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value));
