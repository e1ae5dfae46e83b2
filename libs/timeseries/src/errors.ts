/** Error codes this library throws; callers map them to HTTP statuses in one place. */
export type TimeseriesErrorCode =
  'INVALID_TIMESTAMP' | 'INVALID_FREQUENCY' | 'INVALID_ARGUMENT' | 'TIMESTAMP_BEYOND_HORIZON' | 'TIMESTAMP_NOT_IN_FUTURE' | 'MALFORMED_CSV';

export class TimeseriesError extends Error {
  constructor(
    readonly code: TimeseriesErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
