import { IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { VISIBILITIES, type Visibility } from '#contracts';
import { PageQuery } from '../../http/page.query';

export class UpdateThreadDto {
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(500)
  title?: string | null;

  /** Absent: unchanged; null is not a value (class-validator's @IsOptional alone would let it through). */
  @ValidateIf((_, v) => v !== undefined)
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class CreateThreadDto extends UpdateThreadDto {
  /** Who else sees it (default `private`: a Travelmode trip is its owner's). */
  @IsOptional()
  @IsIn(VISIBILITIES)
  visibility?: Visibility;
}

export class ListThreadsQuery extends PageQuery {}
