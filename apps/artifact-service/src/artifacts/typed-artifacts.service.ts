import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ErrorCode,
  NAME_PATTERN,
  canonicalRunId,
  type ArtifactDescriptor,
  type CreateTypedArtifactRequest,
  type CreateTypedArtifactRequestV2,
} from '#contracts';
import type { ArtifactRecord } from '#persistence';
import { CONFIG, CommandBus, ProjectionWaiter, type Principal } from '#platform';
import type { ArtifactServiceConfig } from '../config';
import { ArtifactStore } from '../storage/artifact-store';
import { ArtifactIds } from './artifact-ids';
import { ArtifactReadModel, type TypedFilter } from './artifact-read-model';

const MAX_TITLE_LENGTH = 500;
/** Answers that leave open whether the record was (or is being) applied: the bytes stay. */
const OUTCOME_UNKNOWN = new Set<string>([ErrorCode.Unavailable, ErrorCode.Internal, ErrorCode.IdempotencyInProgress]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (message: string) => new DomainError(ErrorCode.ValidationFailed, message);

/** Travelmode typed artifacts: JSON content produced by a run's worker; listed, read and pinned by the owner. */
@Injectable()
export class TypedArtifactsService {
  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactReadModel,
    private readonly ids: ArtifactIds,
    private readonly bus: CommandBus,
    private readonly projection: ProjectionWaiter,
  ) {}

  /**
   * A worker's artifact: the content is stored as JSON bytes, then RecordArtifact (as the agent,
   * for its attempt) makes it part of the run; the run-service refuses a stale attempt or an
   * ended run, and then the stored bytes are removed again.
   */
  async create(request: CreateTypedArtifactRequest | CreateTypedArtifactRequestV2): Promise<{ id: number; artifactType: string; isPinned: boolean }> {
    const runId = canonicalRunId(String(request.runId ?? ''));
    if (runId === null) throw new DomainError(ErrorCode.RunNotFound, 'run not found');
    const requestId = 'requestId' in request ? request.requestId : randomUUID();
    if (typeof requestId !== 'string' || !UUID.test(requestId)) throw invalid('requestId must be a UUID');
    if (!Number.isSafeInteger(request.attempt) || request.attempt < 1) throw invalid('attempt must be a positive integer');
    if (typeof request.workerId !== 'string' || request.workerId.length === 0) throw invalid('workerId is required');
    if (typeof request.artifactType !== 'string' || !NAME_PATTERN.test(request.artifactType))
      throw invalid('artifactType must be 1-64 letters, digits, _ . or -, starting with a letter');
    const title = request.title ?? null;
    if (title !== null && (typeof title !== 'string' || title.length > MAX_TITLE_LENGTH))
      throw invalid(`title must be a string of at most ${MAX_TITLE_LENGTH} characters`);
    if (request.content === undefined) throw invalid('content is required');
    const bytes = Buffer.from(JSON.stringify(request.content), 'utf8');
    if (bytes.length > this.config.ARTIFACT_TYPED_MAX_BYTES)
      throw new DomainError(ErrorCode.PayloadTooLarge, `content exceeds ${this.config.ARTIFACT_TYPED_MAX_BYTES} bytes as JSON`);

    // Named after the request: asked again, the same object and the same command (applied once).
    const objectName = `runs/${runId}/typed-${requestId.toLowerCase()}`;
    const stored = await this.store.putBytes(objectName, bytes);
    const artifact: ArtifactDescriptor = {
      id: await this.ids.next(),
      kind: 'typed',
      artifactType: request.artifactType,
      title,
      path: null,
      objectName,
      contentType: 'application/json',
      size: stored.size,
      sha256: stored.sha256,
      isPinned: false,
    };
    let reply;
    try {
      reply = await this.bus.send(
        { type: 'RecordArtifact', data: { runId, attempt: request.attempt, artifact } },
        { kind: 'agent', id: request.workerId },
        { commandId: requestId },
      );
    } catch (error) {
      // Only a refusal proves nothing references the bytes; after a timeout the record may yet be
      // applied, and the sweeper removes them after its grace if it never was.
      if (error instanceof DomainError && !OUTCOME_UNKNOWN.has(error.code)) await this.store.remove(objectName).catch(() => undefined);
      throw error;
    }
    if (reply.run) await this.projection.waitForRun(runId, reply.run.lastEventSequence);
    if (!reply.replayed) return { id: artifact.id, artifactType: artifact.artifactType, isPinned: false };
    // Asked again: the artifact recorded the first time, not the id this attempt drew.
    const recorded = await this.artifacts.byObjectName(runId, objectName);
    if (!recorded) throw new DomainError(ErrorCode.Unavailable, 'the artifact is recorded but not readable yet; ask again');
    return { id: recorded.id, artifactType: recorded.artifactType, isPinned: recorded.isPinned };
  }

  async list(principal: Principal, rawRunId: string, filter: TypedFilter): Promise<ArtifactRecord[]> {
    return this.artifacts.typed(await this.artifacts.visibleRun(principal, rawRunId), filter);
  }

  async get(principal: Principal, rawRunId: string, rawId: string): Promise<{ artifact: ArtifactRecord; content: unknown }> {
    const artifact = await this.artifacts.typedOne(await this.artifacts.visibleRun(principal, rawRunId), rawId);
    const bytes = await this.store.readAll(artifact.objectName);
    return { artifact, content: JSON.parse(bytes.toString('utf8')) as unknown };
  }

  async pin(principal: Principal, rawRunId: string, rawId: string, isPinned: boolean): Promise<ArtifactRecord> {
    const runId = await this.artifacts.visibleRun(principal, rawRunId);
    const { id } = await this.artifacts.typedOne(runId, rawId);
    const reply = await this.bus.send({ type: 'PinArtifact', data: { runId, artifactId: id, isPinned } }, principal);
    if (reply.run) await this.projection.waitForRun(runId, reply.run.lastEventSequence);
    return this.artifacts.typedOne(runId, rawId);
  }
}
