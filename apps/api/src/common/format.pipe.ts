import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '#common';

/** `?format=` of a single resource: json (the default) or csv; anything else (xml, a repeated parameter) is 400, not JSON by accident. */
@Injectable()
export class FormatPipe implements PipeTransform<unknown, 'json' | 'csv' | undefined> {
  transform(value: unknown): 'json' | 'csv' | undefined {
    if (value === undefined || value === 'json' || value === 'csv') return value;
    throw new BadRequestError('VALIDATION_FAILED', `format must be json or csv, not ${JSON.stringify(value).slice(0, 60)}`, [
      { field: 'format', problems: ['format must be one of the following values: json, csv'] },
    ]);
  }
}
