import {
  API_KEY_COMMAND_TYPES,
  RUN_COMMAND_TYPES,
  THREAD_COMMAND_TYPES,
  aggregateIdOf,
  aggregateKindOf,
  type ApiKeyCommand,
  type ApiKeyCommandType,
  type RunCommand,
  type RunCommandType,
  type ThreadCommand,
  type ThreadCommandType,
} from '#contracts';

export type ParsedCommand =
  | { kind: 'run'; command: RunCommand }
  | { kind: 'thread'; command: ThreadCommand }
  | { kind: 'apiKey'; command: ApiKeyCommand };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural checks on a command from the wire; the aggregate's decide judges its meaning. */
export function parseCommand(subject: string, raw: unknown): ParsedCommand | string {
  if (!isRecord(raw) || typeof raw.type !== 'string' || !isRecord(raw.data) || !isRecord(raw.metadata))
    return 'not a { type, data, metadata } command';
  const { metadata, data } = raw;
  if (typeof metadata.commandId !== 'string' || metadata.commandId.length === 0) return 'metadata.commandId missing';
  if (typeof metadata.correlationId !== 'string') return 'metadata.correlationId missing';
  const actor = metadata.actor;
  if (!isRecord(actor) || typeof actor.id !== 'string' || !['user', 'agent', 'system'].includes(actor.kind as string))
    return 'metadata.actor missing';
  const kind = aggregateKindOf(subject);
  const id = aggregateIdOf(subject);
  if (kind === 'run') {
    if (!RUN_COMMAND_TYPES.includes(raw.type as RunCommandType)) return `unknown run command ${raw.type}`;
    if (data.runId !== id) return 'data.runId does not match the subject';
    return { kind, command: raw as unknown as RunCommand };
  }
  if (kind === 'thread') {
    if (!THREAD_COMMAND_TYPES.includes(raw.type as ThreadCommandType)) return `unknown thread command ${raw.type}`;
    if (String(data.threadId) !== id || !Number.isSafeInteger(data.threadId)) return 'data.threadId does not match the subject';
    return { kind, command: raw as unknown as ThreadCommand };
  }
  if (kind === 'apiKey') {
    if (!API_KEY_COMMAND_TYPES.includes(raw.type as ApiKeyCommandType)) return `unknown API key command ${raw.type}`;
    if (data.keyId !== id) return 'data.keyId does not match the subject';
    return { kind, command: raw as unknown as ApiKeyCommand };
  }
  return `no aggregate for subject ${subject}`;
}
