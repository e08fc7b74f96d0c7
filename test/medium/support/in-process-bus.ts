import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  DomainError,
  type Actor,
  type ApiKeyEvent,
  type CommandDraft,
  type CommandReply,
  type EventMetadata,
  type RunEvent,
  type RunSnapshot,
  type ThreadEvent,
} from '#contracts';
import { decideApiKey, decideRun, decideThread, evolveApiKey, evolveRun, evolveThread } from '#domain';
import { actorOf, type Principal, type SendOptions } from '#platform';
import { ProjectionWriter } from '../../../apps/run-service/src/projector/projection-writer';

type AnyEvent = RunEvent | ThreadEvent | ApiKeyEvent;
type Drafted = Pick<AnyEvent, 'type' | 'data'>;

/** A command the controllers sent, as the fake bus received it. */
export interface SentCommand {
  command: CommandDraft;
  actor: Actor;
  commandId: string | undefined;
}

/**
 * The middle tier's fake command bus: it records every command and answers it in-process with
 * the real aggregates (decide/evolve), writing the events into the real read model with the real
 * projector's writer, so the controllers' reads see them. No run-service, no RUN_COMMANDS.
 */
export class InProcessCommandBus {
  readonly sent: SentCommand[] = [];
  private readonly logs = new Map<string, AnyEvent[]>();
  private streamSeq = 0;
  private writer!: ProjectionWriter;

  attach(dataSource: DataSource): void {
    this.writer = new ProjectionWriter(dataSource);
  }

  /** Events that happened before the spec (stamped, stored, projected). */
  async given(aggregate: string, drafts: Drafted[], actor: Actor = { kind: 'system', id: 'given' }): Promise<void> {
    await this.append(aggregate, drafts, actor, randomUUID());
  }

  async send(command: CommandDraft, by: Principal | Actor, options: SendOptions = {}): Promise<CommandReply & { ok: true }> {
    const actor = actorOf(by);
    this.sent.push({ command, actor, commandId: options.commandId });
    const metadata = { commandId: options.commandId ?? randomUUID(), correlationId: 'spec', actor, issuedAt: new Date().toISOString() };
    const data = command.data as Record<string, unknown>;
    const now = new Date();
    if ('runId' in data) {
      const runId = data.runId as string;
      const existing = this.state(`run:${runId}`, evolveRun) as RunSnapshot | null;
      const threadId = (data.threadId as number | null | undefined) ?? existing?.threadId;
      const fork = (data.forkOf as { runId: string } | undefined)?.runId;
      const drafts = decideRun({ ...command, metadata } as never, this.state(`run:${runId}`, evolveRun), {
        now,
        thread: threadId === undefined || threadId === null ? null : this.state(`thread:${threadId}`, evolveThread),
        source: fork ? this.state(`run:${fork}`, evolveRun) : null,
        defaultAgent: 'trip-planner',
        maxRedispatches: 2,
      });
      await this.append(`run:${runId}`, drafts, actor, metadata.commandId);
      return { ok: true, commandId: metadata.commandId, replayed: false, run: this.state(`run:${runId}`, evolveRun) ?? undefined };
    }
    if ('threadId' in data) {
      const id = `thread:${data.threadId as number}`;
      await this.append(id, decideThread({ ...command, metadata } as never, this.state(id, evolveThread)), actor, metadata.commandId);
      return { ok: true, commandId: metadata.commandId, replayed: false, thread: this.state(id, evolveThread) ?? undefined };
    }
    const id = `key:${data.keyId as string}`;
    await this.append(id, decideApiKey({ ...command, metadata } as never, this.state(id, evolveApiKey)), actor, metadata.commandId);
    return { ok: true, commandId: metadata.commandId, replayed: false, apiKey: this.state(id, evolveApiKey) ?? undefined };
  }

  /** Commands of one type the controllers sent. */
  of(type: CommandDraft['type']): Record<string, unknown>[] {
    return this.sent.filter((s) => s.command.type === type).map((s) => s.command.data as Record<string, unknown>);
  }

  private state<E extends AnyEvent>(id: string, evolve: (s: never, e: E) => unknown) {
    return (this.logs.get(id) ?? []).reduce((s, e) => evolve(s as never, e as E), null as unknown) as never;
  }

  private async append(id: string, drafts: Drafted[], actor: Actor, commandId: string): Promise<void> {
    if (drafts.length === 0) return;
    const log = this.logs.get(id) ?? [];
    const [kind, streamId] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    const first = log.length === 0 ? (kind === 'run' ? 0 : 1) : (log.at(-1) as AnyEvent).metadata.sequence + 1;
    const createdAt = new Date().toISOString();
    const events = drafts.map((draft, index) => {
      const metadata: EventMetadata = {
        eventId: randomUUID(),
        streamId,
        sequence: first + index,
        createdAt,
        commandId,
        correlationId: 'spec',
        causationId: commandId,
        actor,
        batch: { index, count: drafts.length },
      };
      return { ...draft, metadata } as AnyEvent;
    });
    this.logs.set(id, [...log, ...events]);
    const items = events.map((event) => ({ event, streamSeq: ++this.streamSeq }));
    if (kind === 'run') await this.writer.project(items as never, []);
    else if (kind === 'thread') await this.writer.project([], items as never);
    else await this.writer.project([], [], items as never);
  }
}

export { DomainError };
