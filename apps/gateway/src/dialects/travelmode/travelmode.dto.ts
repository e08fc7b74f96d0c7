import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT32, RUN_STATUSES, type RunStatus } from '#contracts';
import { PageQuery } from '../../http/page.query';

export class CreateAgentRunDto {
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  tripId: number;

  @IsString()
  @Length(1, 10_000)
  triggerMessage: string;
}

export const CONTROL_ACTIONS = ['start', 'stop', 'retry', 'cancel'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export class ControlAgentRunDto {
  @IsIn(CONTROL_ACTIONS)
  action: ControlAction;

  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  reason?: string;
}

export class ListAgentRunsQuery extends PageQuery {
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  tripId?: number;
}

export class AgentRunEventsQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  since: number = 0;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  limit: number = 500;
}
