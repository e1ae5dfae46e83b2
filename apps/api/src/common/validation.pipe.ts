import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Validators whose failures carry their own code when they are the only problems in a request. */
const CODED: Record<string, string> = { isTimestampParam: 'INVALID_TIMESTAMP' };

function codeOf(errors: ValidationError[]): string {
  const names = new Set<string>();
  const walk = (es: ValidationError[]): void =>
    es.forEach((e) => {
      Object.keys(e.constraints ?? {}).forEach((n) => names.add(n));
      walk(e.children ?? []);
    });
  walk(errors);
  const codes = new Set([...names].map((n) => CODED[n] ?? 'VALIDATION_FAILED'));
  return codes.size === 1 ? [...codes][0] : 'VALIDATION_FAILED';
}

/** Unknown fields are rejected, not silently dropped, and every problem is listed by field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        code: codeOf(errors),
        message: details.map((d) => `${d.field}: ${d.problems.join(', ')}`).join('; '),
        details,
      });
    },
  });
}
