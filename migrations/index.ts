import { InitialSchema1764374400000 } from './1764374400000-initial-schema';
import { IdempotencyKeys1764374500000 } from './1764374500000-idempotency-keys';
import { Forecasts1764374600000 } from './1764374600000-forecasts';
import { RateLimits1764374700000 } from './1764374700000-rate-limits';
import { Backtests1764374800000 } from './1764374800000-backtests';
import { Schedules1764374900000 } from './1764374900000-schedules';
import { Finetunes1764375000000 } from './1764375000000-finetunes';
import { IdempotencyHeaders1764375100000 } from './1764375100000-idempotency-headers';
import { ScheduleLimits1764375200000 } from './1764375200000-schedule-limits';
import { ApiKeyScopes1764375600000 } from './1764375600000-api-key-scopes';
import { JobDoneNotify1764375750000 } from './1764375750000-job-done-notify';

/** Every migration, oldest first. Imported by the DataSource so dist/ and tests run the same list. */
export const MIGRATIONS = [
  InitialSchema1764374400000,
  IdempotencyKeys1764374500000,
  Forecasts1764374600000,
  RateLimits1764374700000,
  Backtests1764374800000,
  Schedules1764374900000,
  Finetunes1764375000000,
  IdempotencyHeaders1764375100000,
  ScheduleLimits1764375200000,
  ApiKeyScopes1764375600000,
  JobDoneNotify1764375750000,
];
