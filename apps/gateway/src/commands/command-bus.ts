import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { CommandReply } from '#contracts';
import { CommandClient } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { Principal } from '../auth/principal';
import type { GatewayConfig } from '../config';

export interface SendOptions {
  /** Same id → applied once (Idempotency-Key); a fresh one otherwise. */
  commandId?: string;
  correlationId?: string;
}

/** Sends a user's command to the run-service and awaits the outcome (503 when none answers in time). */
@Injectable()
export class CommandBus implements OnModuleInit, OnApplicationShutdown {
  private readonly client: CommandClient;

  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.client = new CommandClient(nc, config.COMMAND_TIMEOUT_MS);
  }

  onModuleInit(): void {
    this.client.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.stop();
  }

  send(
    subject: string,
    type: string,
    data: unknown,
    principal: Principal,
    options: SendOptions = {},
  ): Promise<CommandReply & { ok: true }> {
    const commandId = options.commandId ?? randomUUID();
    return this.client.send(subject, {
      type,
      data,
      metadata: {
        commandId,
        correlationId: options.correlationId ?? commandId,
        actor: { kind: 'user', id: principal.userId, org: principal.org ?? undefined },
      },
    });
  }
}
