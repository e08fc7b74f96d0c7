/**
 * NATS names. The event subjects, the RUN_EVENTS stream and the event envelope are a public contract
 * for internal subscribers (see README "Internal subscribers").
 */
export const STREAMS = {
  /** Work-queue stream of commands; the run-service's durable consumer takes each one once. */
  commands: 'RUN_COMMANDS',
  /** The event log: the source of truth. One subject per run and per thread. */
  events: 'RUN_EVENTS',
  /** Work queue of run attempts, one subject per agent; each item goes to one worker. */
  work: 'RUN_WORK',
} as const;

export const CONSUMERS = {
  runService: 'run-service',
  projector: 'projector',
  referenceAgent: 'reference-agent',
  /** The run-service's reactions to run events: attempt starts into work items, answers into threads. */
  dispatcher: 'dispatcher',
  /**
   * Workers of one agent version share `workers-<agent>@<version>` (`@` is in neither pattern), and
   * every worker of the agent shares `workers-<agent>` for runs not bound to a version.
   */
  workers: (agent: string, version: string | null = null) => (version === null ? `workers-${agent}` : `workers-${agent}@${version}`),
} as const;

export const KV_BUCKETS = {
  /** The agents workers announced: key `<name>.<version>`, value `AgentRegistration`. */
  agents: 'RUNSTREAM_AGENTS',
  /** Idempotency-Key records of the gateway (TTL 24 h). */
  idempotency: 'RUNSTREAM_IDEMPOTENCY',
  /** Monotonic counters (thread ids). */
  counters: 'RUNSTREAM_COUNTERS',
  /** Worker leases: key = run id, value = `LeaseRecord`, renewed by the holder's heartbeats. */
  leases: 'RUNSTREAM_LEASES',
} as const;

/** Object Store bucket of artifact bytes. */
export const OBJECT_BUCKETS = { artifacts: 'RUNSTREAM_ARTIFACTS' } as const;

export const SUBJECTS = {
  runCommands: (runId: string) => `runs.commands.${runId}`,
  threadCommands: (threadId: number) => `threads.commands.${threadId}`,
  runEvents: (runId: string) => `runs.events.${runId}`,
  threadEvents: (threadId: number) => `threads.events.${threadId}`,
  apiKeyCommands: (keyId: string) => `keys.commands.${keyId}`,
  apiKeyEvents: (keyId: string) => `keys.events.${keyId}`,
  allApiKeyCommands: 'keys.commands.>',
  allApiKeyEvents: 'keys.events.>',
  allRunCommands: 'runs.commands.>',
  allThreadCommands: 'threads.commands.>',
  allRunEvents: 'runs.events.>',
  allThreadEvents: 'threads.events.>',
  /** Core NATS notice the projector sends after committing an aggregate's events: `{ sequence }`. */
  runProjected: (runId: string) => `runstream.projected.runs.${runId}`,
  threadProjected: (threadId: number) => `runstream.projected.threads.${threadId}`,
  apiKeyProjected: (keyId: string) => `runstream.projected.keys.${keyId}`,
  /** Work items of an agent version (stream RUN_WORK); version null: any worker of the agent. */
  work: (agent: string, version: string | null = null) => (version === null ? `runstream.work.${agent}` : `runstream.work.${agent}.${version}`),
  allWork: 'runstream.work.>',
  /** Core NATS request/reply to the worker holding a run: `runstream.query.<runId>.<name>`. */
  query: (runId: string, name: string) => `runstream.query.${runId}.${name}`,
  /** Core NATS request/reply: a worker asks the artifact-service to store a typed artifact. */
  artifactCreate: 'runstream.artifacts.create',
  /** Core NATS request/reply: answered while the process holding Idempotency-Key records of that id lives. */
  idempotencyOwner: (ownerId: string) => `runstream.idempotency.owners.${ownerId}`,
  /** Prefix of reply subjects; a sender listens on `<prefix>.<instance>.>`. */
  replies: 'runstream.replies',
} as const;

/**
 * Headers. Every event message carries its per-aggregate sequence and its type (the aggregate id
 * is the subject's last token; everything else is in the payload's metadata). Commands carry their
 * type and correlation id.
 */
export const HEADERS = {
  sequence: 'Runstream-Sequence',
  /** On an event unit (several events in one message): the sequence of its last event. */
  lastSequence: 'Runstream-Last-Sequence',
  eventType: 'Runstream-Event-Type',
  commandType: 'Runstream-Command-Type',
  correlationId: 'Runstream-Correlation-Id',
} as const;

/** Parses the aggregate id from an event or command subject (`runs.events.<id>` → `<id>`). */
export function aggregateIdOf(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

export function aggregateKindOf(subject: string): 'run' | 'thread' | 'apiKey' | null {
  if (subject.startsWith('runs.')) return 'run';
  if (subject.startsWith('threads.')) return 'thread';
  if (subject.startsWith('keys.')) return 'apiKey';
  return null;
}

/** Run ids are lower-case uuids: they name NATS subjects, so every reader must address the same one. */
export const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The canonical form of a run id from a URL, or null when it cannot name a run. */
export function canonicalRunId(raw: string): string | null {
  const id = raw.toLowerCase();
  return RUN_ID_PATTERN.test(id) ? id : null;
}

/** Names of signals, queries and typed-artifact types: a letter, then up to 63 letters, digits, `_ . -`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Query names are one token of the subject a worker answers on (`runstream.query.<run>.<name>`):
 * no dot. The API and the SDK use this one rule, so a name the API takes is one a worker can serve.
 */
export const QUERY_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Agent names appear in subjects and consumer names. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Agent versions: a number (`2`) or a label (`draft`); they appear in subjects, KV keys and consumer names. */
export const AGENT_VERSION_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** `name@version` (Vertesia's interaction, seed 003's persona) or a bare name. */
export function parseAgentRef(raw: string): { name: string; version: string | null } | null {
  const at = raw.lastIndexOf('@');
  const name = at < 0 ? raw : raw.slice(0, at);
  const version = at < 0 ? null : raw.slice(at + 1);
  if (!AGENT_NAME_PATTERN.test(name) || (version !== null && !AGENT_VERSION_PATTERN.test(version))) return null;
  return { name, version };
}

/** The subject a command goes to: its aggregate's. */
export function commandSubjectOf(command: { type: string; data: { runId: string } | { threadId: number } | { keyId: string } }): string {
  if ('runId' in command.data) return SUBJECTS.runCommands(command.data.runId);
  if ('threadId' in command.data) return SUBJECTS.threadCommands(command.data.threadId);
  return SUBJECTS.apiKeyCommands(command.data.keyId);
}
