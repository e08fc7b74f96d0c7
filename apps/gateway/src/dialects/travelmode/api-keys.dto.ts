import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateApiKeyDto {
  @IsString()
  @Length(1, 200)
  name: string;

  /** Default: every scope the creator holds; never more. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { each: true, message: 'each scope must be 1-64 letters, digits, _ . : or -' })
  scopes?: string[];
}
