import { applyDecorators } from '@nestjs/common';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  ValidationArguments,
} from 'class-validator';
import { parseFrequency } from '#timeseries';

/** At most this many channels per series, stored or inline. */
export const MAX_CHANNELS = 256;
export const CHANNEL_NAME_PATTERN = '^[A-Za-z0-9_.-]+$';

/**
 * The channel-name rules of a stored series (1-256 unique names of 1-100 letters, digits, "_", "."
 * and "-"), shared by inline forecast data so both answer VALIDATION_FAILED for the same names.
 */
export function IsChannelNames(): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(MAX_CHANNELS),
    ArrayUnique(),
    IsString({ each: true }),
    MinLength(1, { each: true }),
    MaxLength(100, { each: true }),
    Matches(new RegExp(CHANNEL_NAME_PATTERN), { each: true, message: 'channel names may contain letters, digits, "_", "." and "-"' }),
  );
}

@ValidatorConstraint({ name: 'isFrequencyLabel' })
export class IsFrequencyLabel implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 20) return false;
    try {
      parseFrequency(value);
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(a: ValidationArguments): string {
    return `${a.property} must be a frequency such as 5min, 30min, 1h, 1D, B, 1W, 1M, 1Q or 1Y`;
  }
}

@ValidatorConstraint({ name: 'isIanaTimezone' })
export class IsIanaTimezone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 64) return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(a: ValidationArguments): string {
    return `${a.property} must be an IANA time zone such as UTC or Europe/Berlin`;
  }
}

@ValidatorConstraint({ name: 'isStringRecord' })
export class IsStringRecord implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= 50 && entries.every(([k, v]) => k.length <= 100 && typeof v === 'string' && v.length <= 1000);
  }
  defaultMessage(a: ValidationArguments): string {
    return `${a.property} must map at most 50 keys to strings (keys up to 100, values up to 1000 characters)`;
  }
}
