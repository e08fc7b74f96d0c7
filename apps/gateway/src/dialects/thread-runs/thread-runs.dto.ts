import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT32, RUN_STATUSES, type RunStatus } from '#contracts';

export class CreateThreadRunDto {
  /** The model route handed to the worker. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  route_id?: string | null;

  /** `persona_key@version` (or a key alone: its latest numbered version). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}(@[A-Za-z0-9_-]{1,32})?$/, { message: 'persona_id must be persona_key@version' })
  persona_id?: string | null;
}

export class ThreadRunsQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

export class RunsListQuery extends ThreadRunsQuery {
  /** The `run_id` the previous page ended with: the runs created before it. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  before?: string;

  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;
}

export class RunInputDto {
  /** At most 32 KB, checked in UTF-8 bytes (413 beyond). */
  @IsString()
  @Length(1, 1_000_000)
  content: string;
}

export class ThreadMessageDto {
  @IsIn(['user'])
  role: 'user';

  /** At most 32 KB, checked in UTF-8 bytes (413 beyond). */
  @IsString()
  @Length(1, 1_000_000)
  content: string;
}

export class ThreadMessagesQuery extends ThreadRunsQuery {
  /** Messages after this `seq`. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  after: number = 0;
}
