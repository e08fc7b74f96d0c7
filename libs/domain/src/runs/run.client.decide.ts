import {
  DomainError,
  ErrorCode,
  MAX_INPUT_BYTES,
  NAME_PATTERN,
  type PinArtifact,
  type ProvideInput,
  type RecordArtifact,
  type RunSnapshot,
  type SignalRun,
} from '#contracts';
import type { RunState } from './run';
import { controllableRun, invalid, type RunEventDraft } from './run.rules';


const active = (run: RunSnapshot) => run.status === 'running' || run.status === 'waiting_for_input';

export function provideInput(command: ProvideInput, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  const { content } = command.data;
  if (typeof content !== 'string' || content.length === 0)
    throw new DomainError(ErrorCode.ValidationFailed, 'content must be a non-empty string');
  if (Buffer.byteLength(content, 'utf8') > MAX_INPUT_BYTES)
    throw new DomainError(ErrorCode.PayloadTooLarge, `content exceeds ${MAX_INPUT_BYTES} bytes`);
  if (run.status !== 'waiting_for_input') throw invalid('provide input to', run.status);
  return [{ type: 'RunInputProvided', data: { attempt: run.attempt, content } }];
}

export function signalRun(command: SignalRun, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  const { name, payload } = command.data;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name))
    throw new DomainError(ErrorCode.ValidationFailed, 'signal name must be 1-64 letters, digits, _ . or -');
  if (Buffer.byteLength(JSON.stringify(payload ?? null), 'utf8') > MAX_INPUT_BYTES)
    throw new DomainError(ErrorCode.PayloadTooLarge, `signal payload exceeds ${MAX_INPUT_BYTES} bytes`);
  if (!active(run)) throw invalid('signal', run.status);
  return [{ type: 'RunSignalled', data: { attempt: run.attempt, name: command.data.name, payload: command.data.payload ?? null } }];
}

/**
 * The artifact-service records an artifact after its bytes are stored. A worker's artifact belongs
 * to its attempt (refused once the run moved on); an owner's upload, and Runstream's own record
 * (system actor: maintenance such as re-recording), are accepted in any status.
 */
export function recordArtifact(command: RecordArtifact, state: RunState): RunEventDraft[] {
  const { actor } = command.metadata;
  const run = controllableRun(state, actor);
  const { artifact, attempt } = command.data;
  if (actor.kind === 'agent') {
    if (attempt !== run.attempt)
      throw new DomainError(ErrorCode.StaleAttempt, `attempt ${String(attempt)} is not the run's current attempt (${run.attempt})`);
    if (!active(run)) throw invalid('add an artifact to', run.status);
  }
  if (artifact.kind === 'typed' && run.artifacts.some((a) => a.id === artifact.id))
    throw new DomainError(ErrorCode.AlreadyExists, `artifact ${artifact.id} already exists`);
  return [{ type: 'RunArtifactCreated', data: artifact }];
}

export function pinArtifact(command: PinArtifact, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  const artifact = run.artifacts.find((a) => a.id === command.data.artifactId);
  if (!artifact) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
  if (artifact.isPinned === command.data.isPinned) return [];
  return [{ type: 'RunArtifactPinChanged', data: { artifactId: artifact.id, isPinned: command.data.isPinned } }];
}
