import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';

const LABEL = /^[^\u0000-\u001f]{1,100}$/;

/** `POST /api/v1/agents`: every field seed 004 documents. */
export class CreateAgentRunDto {
  @IsString()
  @Length(1, 200)
  interaction: string;

  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  environment?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;

  @IsOptional()
  @IsBoolean()
  interactive?: boolean;

  /** `tool` (replaces the defaults), `+tool`, `-tool`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(/^[+-]?[A-Za-z0-9_.:-]{1,64}$/, { each: true, message: 'each tool name must be [+|-]name' })
  tool_names?: string[];

  @IsOptional()
  @IsString()
  @Length(1, 200)
  collection_id?: string;

  @IsOptional()
  @IsIn(['private', 'project'])
  visibility?: 'private' | 'project';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(LABEL, { each: true, message: 'each tag must be 1-100 characters' })
  tags?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(LABEL, { each: true, message: 'each category must be 1-100 characters' })
  categories?: string[];

  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;

  @IsOptional()
  @IsIn(['collection'])
  search_scope?: 'collection';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  user_channels?: Record<string, unknown>[];

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  checkpoint_tokens?: number;

  @IsOptional()
  @IsBoolean()
  debug_mode?: boolean;
}

export class ListAgentRunsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  id?: string;

  /** The `next_cursor` of the previous page (instead of `offset`). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** Comma-separated (`autonomous`, `supervised`, `programmatic`): Runstream's runs are `autonomous`. */
  @IsOptional()
  @Matches(/^[a-z_]{1,32}(,[a-z_]{1,32})*$/, { message: 'run_type must be comma-separated run types' })
  run_type?: string;

  @IsOptional()
  @IsIn(['agent', 'process'])
  run_kind?: string;

  @IsOptional()
  @IsIn(['api', 'schedule', 'event_subscription'])
  type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  schedule_id?: string;

  /** Comma-separated: created, running, completed, failed, cancelled. */
  @IsOptional()
  @Matches(/^(created|running|completed|failed|cancelled)(,(created|running|completed|failed|cancelled))*$/, {
    message: 'status must be created, running, completed, failed or cancelled (comma-separated)',
  })
  status?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}(@[A-Za-z0-9_-]{1,32})?$/, { message: 'interaction must be a name or name@version' })
  interaction?: string;

  /** `user:<id>` or `<id>`. */
  @IsOptional()
  @IsString()
  @MaxLength(300)
  started_by?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset: number = 0;

  @IsOptional()
  @IsIn(['started_at', 'updated_at'])
  sort: 'started_at' | 'updated_at' = 'started_at';

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}

export class TerminateQuery {
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  reason?: string;
}

export class ForkQuery {
  /** Fork at this event sequence of the source (default: its last). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  sequence?: number;
}

export class UpdatesQuery {
  /** Messages after this instant (epoch milliseconds of the run's event clock). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since: number = 0;
}
