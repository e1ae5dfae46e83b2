import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SCHEDULE_RUN_STATES } from '#db';
import { IntParam } from '../../common/int-param';

export class ListSchedulesQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @IntParam() @IsInt() @Min(1) @Max(500) limit?: number;
}

export class ListScheduleRunsQuery extends ListSchedulesQuery {
  @ApiPropertyOptional({ enum: SCHEDULE_RUN_STATES }) @IsOptional() @IsIn([...SCHEDULE_RUN_STATES]) state?: string;
}
