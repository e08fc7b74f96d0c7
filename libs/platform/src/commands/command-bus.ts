import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { commandSubjectOf, type Actor, type CommandDraft, type CommandReply } from '#contracts';
import { CommandClient, assertConnected } from '#messaging';
import type { Principal } from '../auth/token-verifier';
import { currentTraceId } from '../http/trace-context';
import { CONFIG, NATS_CONNECTION } from '../tokens';

export interface SendOptions {
  /** Same id → applied once (Idempotency-Key); a fresh one otherwise. */
  commandId?: string;
  correlationId?: string;
}

/** The actor a principal acts as in commands. */
export const actorOf = (by: Principal | Actor): Actor =>
  'kind' in by
    ? by
    : {
        kind: 'user',
        id: by.userId,
        ...(by.org === null ? {} : { org: by.org }),
        project: by.project,
        scopes: by.scopes,
        ...(by.name === null ? {} : { name: by.name }),
        ...(by.email === null ? {} : { email: by.email }),
      };

/**
 * Sends a command to the run-service and awaits the outcome (UNAVAILABLE when none answers in
 * time). Typed by the command union: a type's data is checked, and its subject follows from it.
 */
@Injectable()
export class CommandBus implements OnModuleInit, OnApplicationShutdown {
  private readonly client: CommandClient;
  private readonly nc: NatsConnection;

  constructor(
    @Inject(CONFIG) config: { COMMAND_TIMEOUT_MS: number },
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.nc = nc;
    this.client = new CommandClient(nc, config.COMMAND_TIMEOUT_MS);
  }

  onModuleInit(): void {
    this.client.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.stop();
  }

  /** `by`: the authenticated user, or another actor (an agent worker, the system). */
  send(command: CommandDraft, by: Principal | Actor, options: SendOptions = {}): Promise<CommandReply & { ok: true }> {
    assertConnected(this.nc);
    const commandId = options.commandId ?? randomUUID();
    return this.client.send(commandSubjectOf(command), {
      ...command,
      // The request's trace: the run-service and workers log it with everything the command causes.
      metadata: { commandId, correlationId: options.correlationId ?? currentTraceId() ?? commandId, actor: actorOf(by) },
    });
  }
}
