import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DomainError,
  ErrorCode,
  MAX_INPUT_BYTES,
  NAME_PATTERN,
  QUERY_NAME_PATTERN,
  SUBJECTS,
  type QueryReply,
  type RunSnapshot,
} from '#contracts';
import { assertConnected, decodeJson } from '#messaging';
import { CONFIG, NATS_CONNECTION, type IdSource, type Principal } from '#platform';
import { runIdOf, runNotFound } from './run-id';
import type { GatewayConfig } from '../config';
import { RunReadModel } from '../read-model/run-read-model';
import { RunsService } from './runs.service';

/** A client talking to the agent executing its run: input, signals (through the log) and queries (live). */
@Injectable()
export class RunInteractionsService {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly commands: RunsService,
    private readonly runs: RunReadModel,
  ) {}

  async input(principal: Principal, rawRunId: string, content: string, ids: IdSource): Promise<RunSnapshot> {
    if (Buffer.byteLength(content, 'utf8') > MAX_INPUT_BYTES)
      throw new DomainError(ErrorCode.PayloadTooLarge, `content exceeds ${MAX_INPUT_BYTES} bytes`);
    return this.commands.command(principal, rawRunId, { type: 'ProvideInput', data: { content } }, ids);
  }

  async signal(principal: Principal, rawRunId: string, name: string, payload: unknown, ids: IdSource): Promise<RunSnapshot> {
    if (!NAME_PATTERN.test(name)) throw new DomainError(ErrorCode.ValidationFailed, 'signal name must be 1-64 letters, digits, _ . or -');
    if (Buffer.byteLength(JSON.stringify(payload ?? null), 'utf8') > MAX_INPUT_BYTES)
      throw new DomainError(ErrorCode.PayloadTooLarge, `signal payload exceeds ${MAX_INPUT_BYTES} bytes`);
    return this.commands.command(principal, rawRunId, { type: 'SignalRun', data: { name, payload: payload ?? null } }, ids);
  }

  /** Asks the worker holding the run; 409 when the run is not active, 503 when no worker answers. */
  async query(principal: Principal, rawRunId: string, name: string): Promise<unknown> {
    // No worker can answer a name outside the rule (its subject would have more tokens): unknown.
    if (!QUERY_NAME_PATTERN.test(name)) throw new DomainError(ErrorCode.NotFound, 'unknown query');
    const run = await this.runs.find(principal, runIdOf(rawRunId));
    if (!run) throw runNotFound();
    if (run.status !== 'running' && run.status !== 'waiting_for_input')
      throw new DomainError(ErrorCode.NoActiveWorker, `no worker holds a run that is ${run.status}`);
    assertConnected(this.nc);
    let reply: QueryReply;
    try {
      const msg = await this.nc.request(SUBJECTS.query(run.id, name), new Uint8Array(0), { timeout: this.config.QUERY_TIMEOUT_MS });
      reply = decodeJson<QueryReply>(msg.data);
    } catch {
      throw new DomainError(ErrorCode.Unavailable, 'no worker answered the query');
    }
    if (!reply.ok) throw new DomainError(ErrorCode.NotFound, reply.error);
    return reply.result;
  }
}
