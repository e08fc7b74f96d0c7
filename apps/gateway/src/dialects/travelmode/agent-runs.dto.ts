import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { AGENT_NAME_PATTERN, MAX_INT32, RUN_STATUSES, type RunStatus } from '#contracts';
import { CONTROL_ACTIONS, type ControlAction } from '#dialects';
import { PageQuery } from '../../http/page.query';

export class CreateAgentRunDto {
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  tripId: number;

  @IsString()
  @Length(1, 10_000)
  triggerMessage: string;

  /** The agent that executes the run (default: the run-service's DEFAULT_AGENT). */
  @IsOptional()
  @IsString()
  @Matches(AGENT_NAME_PATTERN, { message: 'agent must be 1-64 letters, digits, _ or -' })
  agent?: string;
}

export class AgentRunInputDto {
  /** At most 32 KB; checked in UTF-8 bytes by the service (413 beyond). */
  @IsString()
  @Length(1, 1_000_000)
  content: string;
}


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
