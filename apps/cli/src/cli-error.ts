/** A user's mistake (bad flag, unreadable input): reported as one line, exit code 2. */
export class CliError extends Error {}
