import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import type { Principal } from '#platform';
import { typedArtifactView as typedView } from '#dialects';
import { NAME_PATTERN } from '#contracts';
import { TypedArtifactsService } from '../artifacts/typed-artifacts.service';
import { CurrentPrincipal } from './auth.guard';

export class ListTypedArtifactsQuery {
  @IsOptional()
  @Matches(NAME_PATTERN)
  artifactType?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  isPinned?: 'true' | 'false';
}

export class PinArtifactDto {
  @IsBoolean()
  isPinned: boolean;
}

/** Travelmode typed artifacts: `/v1/agent-runs/{runId}/artifacts[/{artifactId}]`, owner-only. */
@Controller('v1/agent-runs')
export class TypedArtifactsController {
  constructor(private readonly typed: TypedArtifactsService) {}

  @Get(':runId/artifacts')
  async list(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() query: ListTypedArtifactsQuery) {
    const isPinned = query.isPinned === undefined ? undefined : query.isPinned === 'true';
    const rows = await this.typed.list(principal, runId, { artifactType: query.artifactType, isPinned });
    return { artifacts: rows.map((row) => typedView(row)) };
  }

  @Get(':runId/artifacts/:artifactId')
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Param('artifactId') artifactId: string) {
    const { artifact, content } = await this.typed.get(principal, runId, artifactId);
    return { artifact: typedView(artifact, content) };
  }

  @Patch(':runId/artifacts/:artifactId')
  async pin(
    @CurrentPrincipal() principal: Principal,
    @Param('runId') runId: string,
    @Param('artifactId') artifactId: string,
    @Body() body: PinArtifactDto,
  ) {
    return { artifact: typedView(await this.typed.pin(principal, runId, artifactId, body.isPinned)) };
  }
}
